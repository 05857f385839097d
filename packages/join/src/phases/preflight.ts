/** The `preflight` phase: run join pre-flight checks. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("preflight")
