/** The `check-etcd` phase: check that the etcd cluster is healthy before a stacked member is added (hidden). */
import { Effect } from "effect"
import { Output } from "../output.js"
import { ControlPlaneJoinError, controlPlaneConfig, etcdClient } from "./control-plane-shared.js"

export const run = Effect.gen(function* () {
  const out = yield* Output
  const cfg = yield* controlPlaneConfig
  if (!cfg.etcd.local) {
    yield* out.info("[check-etcd] Skipping etcd check in external mode")
    return
  }
  yield* out.info("[check-etcd] Checking that the etcd cluster is healthy")
  const client = yield* etcdClient(cfg)
  const members = yield* client.members.pipe(Effect.mapError((e) => new ControlPlaneJoinError({ message: `etcd cluster is not healthy: ${e.message}` })))
  // every started member must answer a Status call (an added-but-unstarted member has no client URL yet)
  for (const m of members) {
    for (const url of m.clientURLs.slice(0, 1)) {
      yield* client.status(url).pipe(Effect.mapError((e) => new ControlPlaneJoinError({ message: `etcd cluster is not healthy: failed to dial endpoint ${url}: ${e.message}` })))
    }
  }
})
