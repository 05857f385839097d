/** The `control-plane-join/update-status` phase: register the new control-plane node in ClusterStatus in the kubeadm-config ConfigMap. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("control-plane-join/update-status")
