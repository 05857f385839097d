/**
 * The etcd client of `--dry-run`: the member list and every status call reach the real
 * cluster; a member add is printed and answered with a made-up member, which then looks
 * started, healthy and (when added as a learner) promotable, so the waits of etcd-join
 * succeed at once, as kubeadm's dry-run does. The cluster's membership never changes.
 */
import { Effect, Ref } from "effect"
import type { OutputService } from "../output.js"
import type { EtcdClient, EtcdMember } from "./etcd.js"

/** A made-up member's ID: above any ID etcd hands out in the tests, and clearly not a real one. */
const DRY_RUN_MEMBER_ID = "18446744073709551615"

const clientUrlOf = (peerURL: string) => peerURL.replace(/:2380$/, ":2379")

/** `client` with its changes (add, remove, promote) printed instead of applied. */
export const dryRunEtcdClient = (client: EtcdClient, out: OutputService): EtcdClient => {
  const added = Ref.unsafeMake<ReadonlyArray<EtcdMember>>([])
  const isOurs = (id: string) => Effect.map(Ref.get(added), (all) => all.some((m) => m.id === id))
  return {
    endpoints: client.endpoints,
    members: Effect.flatMap(client.members, (real) =>
      Effect.map(Ref.get(added), (ours) => [...real.filter((m) => !ours.some((o) => o.id === m.id)), ...ours])
    ),
    add: (peerURL, { learner }) =>
      Effect.gen(function* () {
        const real = yield* client.members
        yield* out.info(
          `[dryrun] Would add the etcd member with peer URL ${peerURL}${learner ? " as a learner" : ""} to the existing etcd cluster`
        )
        // It looks started right away: no etcd process will ever come up in a dry run.
        const member: EtcdMember = {
          id: DRY_RUN_MEMBER_ID,
          name: "dry-run",
          peerURLs: [peerURL],
          clientURLs: [clientUrlOf(peerURL)],
          isLearner: learner
        }
        yield* Ref.set(added, [member])
        return { member, members: [...real, member] }
      }),
    remove: (id) =>
      Effect.flatMap(isOurs(id), (ours) =>
        ours
          ? Ref.set(added, [])
          : out.info(`[dryrun] Would remove the etcd member ${BigInt(id).toString(16)} from the etcd cluster`)
      ),
    promote: (id) =>
      Effect.flatMap(isOurs(id), (ours) =>
        ours
          ? Effect.andThen(
              out.info(`[dryrun] Would promote the learner etcd member to a voting member`),
              Ref.update(added, (all) => all.map((m) => ({ ...m, isLearner: false })))
            )
          : out.info(`[dryrun] Would promote the learner etcd member ${BigInt(id).toString(16)} to a voting member`)
      ),
    status: (endpoint) =>
      Effect.flatMap(Ref.get(added), (ours) => {
        const own = ours.find((m) => m.clientURLs.includes(endpoint))
        return own === undefined
          ? client.status(endpoint)
          : Effect.map(client.members, (real) => ({
              version: "",
              memberId: own.id,
              leader: real[0]?.id ?? own.id,
              raftIndex: "0",
              isLearner: own.isLearner,
              errors: []
            }))
      })
  }
}
