/**
 * The `Etcd` service: a client of the cluster's etcd, built from endpoints and
 * the etcd client credentials (kubeadm uses the healthcheck-client certificate).
 * Live: etcd's v3 JSON gateway over TLS. Test: an in-memory membership table.
 */
import { Context, Effect, Layer, Ref } from "effect"
import * as gateway from "../internal/etcd/gateway.js"
import { Output } from "../output.js"
import { dryRunEtcdClient } from "./dry-run.js"
import { EtcdError } from "./errors.js"

/** The client credentials for etcd (the healthcheck-client certificate under /etc/kubernetes/pki/etcd). */
export interface EtcdTls {
  /** PEM of the etcd CA, the client certificate and its key (healthcheck-client). */
  readonly ca: string
  readonly cert: string
  readonly key: string
}

/** A member as MemberList reports it. */
export interface EtcdMember {
  /** Decimal uint64. */
  readonly id: string
  /** Empty while the member has not started yet. */
  readonly name: string
  readonly peerURLs: ReadonlyArray<string>
  readonly clientURLs: ReadonlyArray<string>
  readonly isLearner: boolean
}

/** One endpoint's answer to Status: version, identity and progress. */
export interface EtcdStatus {
  readonly version: string
  readonly memberId: string
  readonly leader: string
  readonly raftIndex: string
  readonly isLearner: boolean
  readonly errors: ReadonlyArray<string>
}

/** A connection to the etcd cluster: membership changes and per-endpoint status. */
export interface EtcdClient {
  /** Client URLs currently used (synced from the member list on connect). */
  readonly endpoints: ReadonlyArray<string>
  readonly members: Effect.Effect<ReadonlyArray<EtcdMember>, EtcdError>
  /** MemberAdd (or MemberAddAsLearner); the answer's member list includes the new member. */
  readonly add: (
    peerURL: string,
    options: { readonly learner: boolean }
  ) => Effect.Effect<{ readonly member: EtcdMember; readonly members: ReadonlyArray<EtcdMember> }, EtcdError>
  readonly remove: (id: string) => Effect.Effect<void, EtcdError>
  readonly promote: (id: string) => Effect.Effect<void, EtcdError>
  readonly status: (endpoint: string) => Effect.Effect<EtcdStatus, EtcdError>
}

/** Opens etcd clients; only a control-plane join with local etcd needs it. */
export interface EtcdService {
  readonly connect: (endpoints: ReadonlyArray<string>, tls: EtcdTls) => Effect.Effect<EtcdClient, EtcdError>
}

/** Present only in a control-plane join with local etcd: a worker's environment has no Etcd. */
export class Etcd extends Context.Tag("@kubeadm-ts/join/Etcd")<Etcd, EtcdService>() {}

/** The live Etcd: etcd's v3 JSON gateway over TLS. */
export const layer: Layer.Layer<Etcd> = Layer.succeed(Etcd, gateway.service)

/** `service` as `--dry-run` uses it: members and status are real; adding, removing and promoting are printed only. */
export const dryRunOver = (service: EtcdService): Layer.Layer<Etcd, never, Output> =>
  Layer.effect(
    Etcd,
    Effect.map(Output, (out) => ({
      connect: (endpoints, tls) => Effect.map(service.connect(endpoints, tls), (c) => dryRunEtcdClient(c, out))
    }))
  )

/** The `--dry-run` Etcd: the real cluster is read, its membership is never changed. */
export const layerDryRun: Layer.Layer<Etcd, never, Output> = dryRunOver(gateway.service)

/** An Etcd whose connect, when not given, dies naming itself. */
export const layerTest = (partial: Partial<EtcdService> = {}): Layer.Layer<Etcd> =>
  Layer.succeed(Etcd, { connect: () => Effect.die("Etcd.connect was not expected by this test"), ...partial })

/** The member ID in hex, as etcdctl prints it. */
export const hexId = (id: string): string => BigInt(id).toString(16)

/**
 * An in-memory etcd for phase tests: members are "started" as soon as they
 * are added unless `autoStart` is false (then `start(peerURL)` starts them).
 */
export const fake = (initial: ReadonlyArray<EtcdMember>, options: { readonly autoStart?: boolean } = {}) => {
  const table = Ref.unsafeMake<ReadonlyArray<EtcdMember>>(initial)
  let next = 1000n
  /** Peer URLs of members whose process is down (they keep their client URL but do not answer). */
  const down = new Set<string>()
  const client: EtcdClient = {
    endpoints: initial.flatMap((m) => m.clientURLs),
    members: Ref.get(table),
    add: (peerURL, { learner }) =>
      Effect.gen(function* () {
        const all = yield* Ref.get(table)
        if (all.some((m) => m.peerURLs.includes(peerURL)))
          return yield* new EtcdError({ reason: "Rejected", detail: "etcdserver: Peer URLs already exists" })
        if (learner && all.some((m) => m.isLearner))
          return yield* new EtcdError({
            reason: "TooManyLearners",
            detail: "etcdserver: too many learner members in cluster"
          })
        const member: EtcdMember = {
          id: String(next++),
          name: "",
          peerURLs: [peerURL],
          clientURLs: [],
          isLearner: learner
        }
        yield* Ref.set(table, [...all, member])
        if (options.autoStart !== false) yield* start(peerURL)
        return { member, members: [...all, member] }
      }),
    remove: (id) => Ref.update(table, (all) => all.filter((m) => m.id !== id)),
    promote: (id) =>
      Ref.modify(table, (all) => {
        const m = all.find((x) => x.id === id)
        if (!m || !m.isLearner) return [false, all] as const
        return [true, all.map((x) => (x.id === id ? { ...x, isLearner: false } : x))] as const
      }).pipe(
        Effect.flatMap((ok) =>
          ok
            ? Effect.void
            : Effect.fail(
                new EtcdError({ reason: "Rejected", detail: "etcdserver: can only promote a learner member" })
              )
        )
      ),
    status: (endpoint) =>
      Ref.get(table).pipe(
        Effect.flatMap((all) => {
          const m = all.find((x) => x.clientURLs.includes(endpoint) && !x.peerURLs.some((p) => down.has(p)))
          return m
            ? Effect.succeed<EtcdStatus>({
                version: "3.4.23",
                memberId: m.id,
                leader: all[0]?.id ?? "0",
                raftIndex: "1",
                isLearner: m.isLearner,
                errors: []
              })
            : Effect.fail(new EtcdError({ reason: "Unreachable", detail: `${endpoint}: connection refused` }))
        })
      )
  }
  /** What the etcd process does when it comes up: publish its name and client URL. */
  const start = (peerURL: string, name?: string) =>
    Ref.update(table, (all) =>
      all.map((m) =>
        m.peerURLs.includes(peerURL)
          ? { ...m, name: name ?? (m.name || `member-${m.id}`), clientURLs: [peerURL.replace(/:2380$/, ":2379")] }
          : m
      )
    )
  const stop = (peerURL: string) => Effect.sync(() => void down.add(peerURL))
  const layer = Layer.succeed(Etcd, { connect: () => Effect.succeed(client) })
  return { layer, table, start, stop, client }
}
