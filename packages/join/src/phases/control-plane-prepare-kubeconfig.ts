/** The `control-plane-prepare/kubeconfig` phase: generate the kubeconfig files for the new control plane components. */
import { Effect } from "effect"
import { ensureControlPlaneKubeconfigs } from "../pki/kubeconfigs.js"
import { controlPlaneConfig } from "../control-plane/config.js"

export const run = Effect.flatMap(controlPlaneConfig, (cfg) => Effect.asVoid(ensureControlPlaneKubeconfigs(cfg)))
