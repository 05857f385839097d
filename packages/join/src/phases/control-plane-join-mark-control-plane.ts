/** The `control-plane-join/mark-control-plane` phase: label and taint the node as a control-plane. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("control-plane-join/mark-control-plane")
