/** The `control-plane-prepare/control-plane` phase: generate the static Pod manifests for the new control plane components. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("control-plane-prepare/control-plane")
