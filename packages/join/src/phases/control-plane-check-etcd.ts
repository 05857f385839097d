/** The `check-etcd` phase: check that the etcd cluster is healthy before a stacked member is added (hidden). */
import { notImplemented } from "./not-implemented.js"

export const run = notImplemented("check-etcd")
