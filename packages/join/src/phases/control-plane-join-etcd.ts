/** The `control-plane-join/etcd` phase: add a new local etcd member. */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("control-plane-join/etcd")
