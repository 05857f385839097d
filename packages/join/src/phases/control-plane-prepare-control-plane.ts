/** The `control-plane-prepare/control-plane` phase: generate the static Pod manifests for the new control plane components. */
import { Effect } from "effect"
import { controlPlaneConfig } from "../control-plane/config.js"
import { writeControlPlaneManifests } from "../control-plane/manifests.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { RootFsError } from "../rootfs/rootfs.js"
import type { JoinContext } from "../join-context.js"
import type { JoinData } from "../discovery/join-data.js"
import type { Output } from "../output.js"
import type { Host } from "../host/host.js"
import type { RootFs } from "../rootfs/rootfs.js"
import type { PatchesError } from "../patches/patches.js"

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError | RootFsError | PatchesError,
  JoinContext | JoinData | Output | Host | RootFs
> = Effect.flatMap(controlPlaneConfig, writeControlPlaneManifests)
