/** The `control-plane-prepare/certs` phase: generate the certificates for the new control plane components. */
import { Effect } from "effect"
import { ensureControlPlaneCerts } from "../pki/certs.js"
import { controlPlaneConfig } from "../control-plane/config.js"

export const run = Effect.flatMap(controlPlaneConfig, (cfg) => Effect.asVoid(ensureControlPlaneCerts(cfg)))
