/** The `kubelet-start` phase: write kubelet settings, certificates and (re)start the kubelet. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("kubelet-start")
