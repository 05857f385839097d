/**
 * Adding this node's stacked etcd member, idempotently, and waiting for it.
 *
 * Re-running after a crash must not add a second member for the same peer URL:
 * a member that already carries our peer URL (started or not) is ours and is
 * reused. "Peer URLs already exists" from a racing add is treated the same way.
 */
import { Duration, Effect, Schedule } from "effect"
import { type EtcdClient, type EtcdMember, hexId } from "./etcd.js"
import { EtcdError } from "./errors.js"
import type { InitialMember } from "./pod.js"
import { etcdCallRetry } from "./retry.js"
import { observed } from "../events/events.js"

/** The outcome of adding this node to etcd: its member and the `--initial-cluster` to start etcd with. */
export interface EnsuredMember {
  readonly member: EtcdMember
  /** `--initial-cluster` entries: every member (ours named `nodeName`). */
  readonly initialCluster: ReadonlyArray<InitialMember>
  /** Whether an existing member with our peer URL was found and reused. */
  readonly reused: boolean
}

/**
 * Our add already went through (a retry after a lost answer, or a racing run): etcd says the peer
 * URL exists, or, when the retry comes within the same second, that the member ID exists (etcd
 * derives the ID from the peer URLs, the cluster name and the time in seconds).
 */
const isDuplicatePeer = (e: EtcdError) =>
  e.reason === "Rejected" && /peer ?urls? already exists|member id already exist/i.test(e.message)

/** Waiting for another join's learner: jittered exponential from 200 ms, capped at 3 s (the caller bounds the total). */
const learnerWait = Schedule.exponential("200 millis", 1.5).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced("3 seconds"))
)

/** Unnamed (not yet started) members other than ours get their hex ID as name, as current kubeadm does. */
export const initialClusterOf = (
  members: ReadonlyArray<EtcdMember>,
  ours: EtcdMember,
  nodeName: string
): InitialMember[] =>
  members.flatMap((m) =>
    m.peerURLs.slice(0, 1).map((peerURL) => ({ name: m.id === ours.id ? nodeName : m.name || hexId(m.id), peerURL }))
  )

/** Adds this node as an etcd member (a learner when asked), or reuses a member with its peer URL left by an earlier attempt. */
export const ensureMember = (
  client: EtcdClient,
  nodeName: string,
  peerURL: string,
  options: {
    readonly learner: boolean
    /** Told each time etcd answers that another learner is in the way. */
    readonly onLearnerWait?: Effect.Effect<void>
  }
): Effect.Effect<EnsuredMember, EtcdError> =>
  Effect.gen(function* () {
    const findOurs = (members: ReadonlyArray<EtcdMember>) => members.find((m) => m.peerURLs.includes(peerURL))
    const before = yield* client.members.pipe(
      Effect.retry({ schedule: etcdCallRetry(), while: (e) => e.reason === "Unreachable" })
    )
    const existing = findOurs(before)
    if (existing)
      return { member: existing, initialCluster: initialClusterOf(before, existing, nodeName), reused: true }
    const added = yield* client.add(peerURL, { learner: options.learner }).pipe(
      Effect.map((r) => ({ ...r, reused: false })),
      Effect.catchIf(isDuplicatePeer, () =>
        client.members.pipe(
          Effect.flatMap((members) => {
            const ours = findOurs(members)
            return ours
              ? Effect.succeed({ member: ours, members, reused: true })
              : Effect.fail(
                  new EtcdError({
                    reason: "Rejected",
                    detail: `etcd reports peer URL ${peerURL} exists but no member has it`
                  })
                )
          })
        )
      ),
      Effect.retry({ schedule: etcdCallRetry(), while: (e) => e.reason === "Unreachable" }),
      // Another join's learner is there (etcd takes one at a time): wait for its promotion, as
      // kubeadm polls its add. Bounded by the phase's deadline (timeouts.etcdAPICall).
      Effect.tapError((e) =>
        e.reason === "TooManyLearners" && options.onLearnerWait !== undefined ? options.onLearnerWait : Effect.void
      ),
      Effect.retry({ schedule: learnerWait, while: (e) => e.reason === "TooManyLearners" })
    )
    // the add answer may omit the member's peer URL on old servers; trust the requested one
    const member: EtcdMember =
      added.member.peerURLs.length > 0 ? added.member : { ...added.member, peerURLs: [peerURL] }
    const members = added.members.some((m) => m.id === member.id) ? added.members : [...added.members, member]
    return { member, initialCluster: initialClusterOf(members, member, nodeName), reused: added.reused }
  })

/** How long and how to wait for the new member to start (and, for a learner, to be promoted). */
export interface WaitOptions {
  readonly learner: boolean
  /** Overall budget (kubeadm 1.15: 8 x 5 s = 40 s). */
  /** Without one, the wait has no deadline of its own (the caller bounds it). */
  readonly timeout?: Duration.DurationInput
  /** Called once per poll with a short progress note (verbosity detail). */
  readonly onProgress?: (note: string) => Effect.Effect<void>
}

/**
 * Polls (jittered exponential, capped at 2 s) until our member has started,
 * is promoted when it was added as a learner, and every member's client URL
 * answers a status call with a leader and no errors.
 */
export const waitForMember = (
  client: EtcdClient,
  peerURL: string,
  options: WaitOptions
): Effect.Effect<EtcdMember, EtcdError> => {
  const progress = options.onProgress ?? (() => Effect.void)
  const attempt = Effect.gen(function* () {
    const members = yield* client.members
    const ours = members.find((m) => m.peerURLs.includes(peerURL))
    if (!ours)
      return yield* new EtcdError({
        reason: "Rejected",
        detail: `the etcd member with peer URL ${peerURL} is not in the member list`
      })
    if (ours.name === "" || ours.clientURLs.length === 0) {
      yield* progress(`etcd member ${hexId(ours.id)} has not started yet`)
      return yield* new EtcdError({ reason: "Unreachable", detail: `the new etcd member ${peerURL} has not started` })
    }
    if (ours.isLearner) {
      // etcd refuses until the learner has caught up with the leader's log
      yield* client.promote(ours.id).pipe(
        Effect.tapError((e) => progress(`promoting learner ${hexId(ours.id)}: ${e.message}`)),
        Effect.mapError(
          (e) => new EtcdError({ reason: "Unreachable", detail: `the learner is not promoted yet: ${e.message}` })
        )
      )
    }
    for (const m of members) {
      for (const url of m.clientURLs.slice(0, 1)) {
        const s = yield* client.status(url).pipe(
          Effect.mapError(
            (e) =>
              new EtcdError({
                reason: "Unreachable",
                detail: `etcd member ${m.name || hexId(m.id)} is not healthy: ${e.message}`
              })
          )
        )
        if (s.leader === "0" || s.errors.length > 0)
          return yield* new EtcdError({
            reason: "Unreachable",
            detail: `etcd member ${m.name} reports ${s.errors.join(", ") || "no leader"}`
          })
      }
    }
    const final = yield* client.members
    return final.find((m) => m.id === ours.id) ?? ours
  })
  const schedule = Schedule.exponential("100 millis", 1.5).pipe(
    Schedule.jittered,
    Schedule.union(Schedule.spaced("2 seconds"))
  )
  let last = "no answer yet"
  const waiting = attempt.pipe(
    Effect.tapError((e) =>
      Effect.zipRight(
        Effect.sync(() => {
          last = e.message
        }),
        observed(e.message)
      )
    ),
    Effect.retry({ schedule, while: (e) => e.reason === "Unreachable" })
  )
  const limit = options.timeout
  return limit === undefined
    ? waiting
    : waiting.pipe(
        Effect.timeoutFail({
          duration: limit,
          onTimeout: () =>
            new EtcdError({
              reason: "Timeout",
              detail: `timeout waiting for etcd cluster to be available (waited ${Duration.format(limit)}; last: ${last})`
            })
        })
      )
}

/**
 * Cluster health as kubeadm's check-etcd sees it: every started member (one
 * with a client URL) answers a Status call. Members added but not started yet
 * have no client URL and are not dialled. With `requireLeader`, a member that
 * answers without knowing a leader (no quorum) counts as unhealthy too.
 */
export const clusterHealth = (
  client: EtcdClient,
  options: { readonly requireLeader?: boolean } = {}
): Effect.Effect<ReadonlyArray<EtcdMember>, EtcdError> =>
  Effect.gen(function* () {
    const members = yield* client.members
    for (const m of members) {
      const url = m.clientURLs[0]
      if (url === undefined) continue
      const s = yield* client
        .status(url)
        .pipe(
          Effect.mapError(
            (e) => new EtcdError({ reason: e.reason, detail: `failed to dial endpoint ${url}: ${e.message}` })
          )
        )
      if (options.requireLeader && (s.leader === "0" || s.errors.length > 0))
        return yield* new EtcdError({
          reason: "Unreachable",
          detail: `etcd member ${m.name || hexId(m.id)} at ${url} reports ${s.errors.join(", ") || "no leader"}`
        })
    }
    return members
  })

/** How many voting members a cluster of `voters` needs up to keep its quorum. */
export const quorumOf = (voters: number) => Math.floor(voters / 2) + 1

/** What undoing a member add came to. */
export type MemberRollback =
  | { readonly outcome: "Removed"; readonly id: string }
  /** Removing it would leave fewer healthy voting members than a quorum: it stays, and `why` says so. */
  | { readonly outcome: "Kept"; readonly id: string; readonly why: string }
  /** It is not in the member list any more. */
  | { readonly outcome: "Gone"; readonly id: string }

/**
 * Removes `member` (this join's) again, unless that would break quorum (kubeadm issue 3208):
 * a learner never counts; a voting member that is started and healthy is kept when the other
 * healthy voters would be fewer than the quorum of the voters left.
 */
export const rollbackMember = (client: EtcdClient, member: EtcdMember): Effect.Effect<MemberRollback, EtcdError> =>
  Effect.gen(function* () {
    const members = yield* client.members
    const ours = members.find((m) => m.id === member.id)
    if (ours === undefined) return { outcome: "Gone", id: member.id } as const
    if (!ours.isLearner) {
      const voters = members.filter((m) => !m.isLearner)
      const healthy = yield* Effect.forEach(voters, (m) => {
        const url = m.clientURLs[0]
        return url === undefined
          ? Effect.succeed(false)
          : client.status(url).pipe(
              Effect.map((s) => s.leader !== "0" && s.errors.length === 0),
              Effect.orElseSucceed(() => false)
            )
      })
      const healthyOthers = voters.filter((m, i) => m.id !== ours.id && healthy[i] === true).length
      const needed = quorumOf(voters.length - 1)
      const ourHealthy = healthy[voters.findIndex((m) => m.id === ours.id)] === true
      if (ourHealthy && healthyOthers < needed)
        return {
          outcome: "Kept",
          id: ours.id,
          why: `removing it would leave ${healthyOthers} healthy of ${voters.length - 1} voting members, fewer than the ${needed} a quorum needs`
        } as const
    }
    yield* client.remove(ours.id)
    return { outcome: "Removed", id: ours.id } as const
  })
