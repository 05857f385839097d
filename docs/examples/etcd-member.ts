/**
 * Adding a member to the cluster's etcd, as a control-plane join does before it starts its
 * etcd static Pod: connect with the etcd client credentials, add this node's peer URL (as a
 * learner, to be promoted once in sync), and get the `--initial-cluster` to start etcd with.
 * Adding is idempotent per peer URL: a re-run after a crash reuses the member it added.
 */
import { Effect } from "effect"
import * as etcd from "@kubeadm-ts/join/etcd"

/** Adds `nodeName` at `peerURL` to the etcd cluster behind `endpoints`. */
export const addEtcdMember = (endpoints: ReadonlyArray<string>, tls: etcd.EtcdTls, nodeName: string, peerURL: string) =>
  Effect.gen(function* () {
    const service = yield* etcd.Etcd
    const client = yield* service.connect(endpoints, tls)
    const added = yield* etcd.ensureMember(client, nodeName, peerURL, { learner: true })
    return {
      memberId: added.member.id,
      isLearner: added.member.isLearner,
      reused: added.reused,
      initialCluster: added.initialCluster.map((m) => `${m.name}=${m.peerURL}`).join(",")
    }
  }).pipe(Effect.provide(etcd.layer))
