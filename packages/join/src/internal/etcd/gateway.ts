/**
 * A minimal client of etcd's v3 JSON gateway (`POST /v3/...` on every client
 * URL), over TLS with a client certificate: enough for membership and health.
 * Member IDs are uint64 and travel as decimal strings; they stay strings here.
 */
import { request } from "node:https"
import { Duration, Effect, Either } from "effect"
import { EtcdError } from "../../etcd/errors.js"
import type { EtcdClient, EtcdMember, EtcdService, EtcdStatus, EtcdTls } from "../../etcd/etcd.js"
import { etcdCallRetry } from "../../etcd/retry.js"
import * as crashPoints from "../crash/crash-points.js"

/** A JSON scalar as text (the gateway sends uint64 as strings, but a number reads the same); anything else is the fallback. */
const text = (v: unknown, fallback: string): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : fallback

const toMember = (m: Record<string, unknown>): EtcdMember => ({
  id: text(m.ID, "0"),
  name: text(m.name, ""),
  peerURLs: (m.peerURLs as string[] | undefined) ?? [],
  clientURLs: (m.clientURLs as string[] | undefined) ?? [],
  isLearner: m.isLearner === true
})

/** One POST to one endpoint; resolves with the parsed JSON body or fails with EtcdError. */
export const post = (
  endpoint: string,
  path: string,
  body: unknown,
  tls: EtcdTls,
  timeout: Duration.DurationInput = "5 seconds"
): Effect.Effect<Record<string, unknown>, EtcdError> =>
  Effect.async<Record<string, unknown>, EtcdError>((resume, signal) => {
    const url = new URL(path, endpoint.endsWith("/") ? endpoint : endpoint + "/")
    const payload = Buffer.from(JSON.stringify(body))
    const req = request(
      url,
      {
        method: "POST",
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        headers: { "content-type": "application/json", "content-length": payload.length },
        timeout: Duration.toMillis(timeout),
        signal,
        agent: false
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("error", (e) =>
          resume(Effect.fail(new EtcdError({ reason: "Unreachable", detail: `${endpoint}: ${e.message}` })))
        )
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8")
          let json: Record<string, unknown>
          try {
            json = body === "" ? {} : (JSON.parse(body) as Record<string, unknown>)
          } catch {
            return resume(
              Effect.fail(
                new EtcdError({
                  reason: "Unreachable",
                  detail: `${endpoint}: not a JSON answer (HTTP ${res.statusCode})`
                })
              )
            )
          }
          const status = res.statusCode ?? 500
          if (status >= 400 || typeof json.error === "string") {
            const msg = text(json.message, text(json.error, `HTTP ${status}`))
            // Another attempt may do for 503 (gRPC Unavailable: no leader yet), 429 (ResourceExhausted:
            // throttled) and other 5xx; etcd's refusals (FailedPrecondition, InvalidArgument, ...) are 4xx.
            if (status !== 429 && status < 500)
              return resume(
                Effect.fail(
                  new EtcdError({
                    reason: /too many learner members/i.test(msg) ? "TooManyLearners" : "Rejected",
                    detail: msg
                  })
                )
              )
            const failure = Effect.fail(
              new EtcdError({ reason: "Unreachable", detail: `${endpoint}: ${msg} (HTTP ${status})` })
            )
            // a Retry-After is honoured (bounded) before the caller's schedule takes over
            const retryAfter = Number(res.headers["retry-after"] ?? "")
            return resume(
              Number.isInteger(retryAfter) && retryAfter > 0
                ? Effect.zipRight(Effect.sleep(Duration.seconds(Math.min(retryAfter, 10))), failure)
                : failure
            )
          }
          resume(Effect.succeed(json))
        })
      }
    )
    req.on("timeout", () => req.destroy(new Error(`no answer within ${Duration.format(timeout)}`)))
    req.on("error", (e) =>
      resume(Effect.fail(new EtcdError({ reason: "Unreachable", detail: `${endpoint}: ${e.message}` })))
    )
    req.end(payload)
  })

/** The first endpoint that answers wins; "rejected" answers are final (etcd said no). */
export const postAny = (
  endpoints: ReadonlyArray<string>,
  path: string,
  body: unknown,
  tls: EtcdTls,
  timeout?: Duration.DurationInput
): Effect.Effect<Record<string, unknown>, EtcdError> =>
  Effect.gen(function* () {
    if (endpoints.length === 0)
      return yield* new EtcdError({ reason: "Unreachable", detail: "no etcd endpoints known" })
    const failures: string[] = []
    for (const ep of endpoints) {
      const res = yield* Effect.either(post(ep, path, body, tls, timeout))
      if (Either.isRight(res)) return res.right
      if (res.left.reason === "Rejected" || res.left.reason === "TooManyLearners") return yield* res.left
      failures.push(res.left.message)
    }
    return yield* new EtcdError({ reason: "Unreachable", detail: `no etcd endpoint answered: ${failures.join("; ")}` })
  })

export const listMembers = (endpoints: ReadonlyArray<string>, tls: EtcdTls) =>
  postAny(endpoints, "v3/cluster/member/list", {}, tls).pipe(
    Effect.map((r) => ((r.members as Array<Record<string, unknown>> | undefined) ?? []).map(toMember))
  )

export const addMember = (endpoints: ReadonlyArray<string>, tls: EtcdTls, peerURL: string, isLearner: boolean) =>
  postAny(
    endpoints,
    "v3/cluster/member/add",
    { peerURLs: [peerURL], ...(isLearner ? { isLearner: true } : {}) },
    tls
  ).pipe(
    Effect.map((r) => ({
      member: toMember((r.member as Record<string, unknown> | undefined) ?? {}),
      members: ((r.members as Array<Record<string, unknown>> | undefined) ?? []).map(toMember)
    }))
  )

export const removeMember = (endpoints: ReadonlyArray<string>, tls: EtcdTls, id: string) =>
  postAny(endpoints, "v3/cluster/member/remove", { ID: id }, tls).pipe(Effect.asVoid)

export const promoteMember = (endpoints: ReadonlyArray<string>, tls: EtcdTls, id: string) =>
  postAny(endpoints, "v3/cluster/member/promote", { ID: id }, tls).pipe(Effect.asVoid)

/** Status of one endpoint (not failing over: health is per member). */
export const endpointStatus = (endpoint: string, tls: EtcdTls, timeout?: Duration.DurationInput) =>
  post(endpoint, "v3/maintenance/status", {}, tls, timeout).pipe(
    Effect.map((r): EtcdStatus => ({
      version: text(r.version, ""),
      memberId: text((r.header as Record<string, unknown> | undefined)?.member_id, ""),
      leader: text(r.leader, "0"),
      raftIndex: text(r.raftIndex, "0"),
      isLearner: r.isLearner === true,
      errors: (r.errors as string[] | undefined) ?? []
    }))
  )

/**
 * The reads (member list, status) are idempotent: a reset, a timeout, a 503 or a 429 is retried
 * for a short while, as etcd's own client does for reads. The changes are retried by their
 * callers, which know whether a retry is safe (join-member.ts: a repeated add finds its member).
 */
const READ_RETRY_BUDGET = "10 seconds"
const retriedRead = <A>(read: Effect.Effect<A, EtcdError>) =>
  read.pipe(Effect.retry({ schedule: etcdCallRetry(READ_RETRY_BUDGET), while: (e) => e.reason === "Unreachable" }))

const gatewayClient = (endpoints: ReadonlyArray<string>, tls: EtcdTls): EtcdClient => ({
  endpoints,
  members: retriedRead(listMembers(endpoints, tls)),
  add: (peerURL, { learner }) =>
    addMember(endpoints, tls, peerURL, learner).pipe(Effect.tap(() => crashPoints.after("etcd:add"))),
  // etcd answers "unhealthy cluster" until a quorum has been connected for 5 s
  remove: (id) =>
    removeMember(endpoints, tls, id).pipe(
      Effect.retry({ schedule: etcdCallRetry(), while: (e) => e.reason === "Unreachable" }),
      Effect.tap(() => crashPoints.after("etcd:remove"))
    ),
  promote: (id) => promoteMember(endpoints, tls, id).pipe(Effect.tap(() => crashPoints.after("etcd:promote"))),
  status: (endpoint) => retriedRead(endpointStatus(endpoint, tls))
})

/** Connects like kubeadm: list members through the given endpoints, then use their client URLs. */
export const service: EtcdService = {
  connect: (endpoints, tls) =>
    Effect.gen(function* () {
      const members = yield* retriedRead(listMembers(endpoints, tls)).pipe(
        Effect.mapError(
          (e) =>
            new EtcdError({ reason: e.reason, detail: `error syncing endpoints with etcd: ${e.message}`, cause: e })
        )
      )
      const synced = [...new Set(members.flatMap((m) => m.clientURLs))]
      return gatewayClient(synced.length > 0 ? synced : endpoints, tls)
    })
}
