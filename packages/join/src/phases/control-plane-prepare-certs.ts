/** The `control-plane-prepare/certs` phase: generate the certificates for the new control plane components. */
import { Effect } from "effect"
import { ensureControlPlaneCerts } from "../pki/certs.js"
import { controlPlaneConfig } from "../control-plane/config.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { PkiError } from "../pki/errors.js"
import type { RootFsError } from "../rootfs/rootfs.js"
import type { JoinContext } from "../join-context.js"
import type { JoinData } from "../discovery/join-data.js"
import type { Output } from "../output.js"
import type { Host } from "../host/host.js"
import type { RootFs } from "../rootfs/rootfs.js"
import type { Crypto } from "../crypto/crypto.js"

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError | PkiError | RootFsError,
  JoinContext | JoinData | Output | Host | RootFs | Crypto
> = Effect.flatMap(controlPlaneConfig, (cfg) => Effect.asVoid(ensureControlPlaneCerts(cfg)))
