/** The `check-etcd` phase: check that the etcd cluster is healthy before a stacked member is added (hidden). */
import { Effect } from "effect"
import { clusterHealth } from "../etcd/join-member.js"
import { Output } from "../output.js"
import { controlPlaneConfig } from "../control-plane/config.js"
import { etcdClient } from "../control-plane/etcd-client.js"
import { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { JoinContext } from "../join-context.js"
import type { JoinData } from "../discovery/join-data.js"
import type { Host } from "../host/host.js"
import type { RootFs } from "../rootfs/rootfs.js"
import type { KubeApi } from "../kube-api/kube-api.js"
import type { Etcd } from "../etcd/etcd.js"

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError,
  JoinContext | JoinData | Output | Host | RootFs | KubeApi | Etcd
> = Effect.gen(function* () {
  const out = yield* Output
  const cfg = yield* controlPlaneConfig
  if (!cfg.etcd.local) {
    yield* out.info("[check-etcd] Skipping etcd check in external mode")
    return
  }
  yield* out.info("[check-etcd] Checking that the etcd cluster is healthy")
  const client = yield* etcdClient(cfg)
  // as kubeadm: a successful Status from every started member (an added-but-unstarted one has no client URL yet)
  yield* clusterHealth(client).pipe(
    Effect.mapError((e) => new ControlPlaneJoinError({ reason: "EtcdUnhealthy", detail: e.message, cause: e }))
  )
})
