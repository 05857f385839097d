/** The `control-plane-prepare/certs` phase: generate the certificates for the new control plane components. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("control-plane-prepare/certs")
