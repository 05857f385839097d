/** The `control-plane-prepare/kubeconfig` phase: generate the kubeconfig files for the new control plane components. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("control-plane-prepare/kubeconfig")
