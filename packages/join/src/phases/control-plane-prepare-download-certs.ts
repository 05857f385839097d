/** The `control-plane-prepare/download-certs` phase: download the certificates shared among control-plane nodes from the kubeadm-certs Secret. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("control-plane-prepare/download-certs")
