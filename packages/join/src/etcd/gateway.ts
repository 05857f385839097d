/**
 * A minimal client of etcd's v3 JSON gateway (`POST /v3/...` on every client
 * URL), over TLS with a client certificate: enough for membership and health.
 * Member IDs are uint64 and travel as decimal strings; they stay strings here.
 */
import { request } from "node:https"
import { Duration, Effect } from "effect"
import { EtcdError } from "./errors.js"

export interface EtcdTls {
  /** PEM of the etcd CA, the client certificate and its key (healthcheck-client). */
  readonly ca: string
  readonly cert: string
  readonly key: string
}

export interface EtcdMember {
  /** Decimal uint64. */
  readonly id: string
  /** Empty while the member has not started yet. */
  readonly name: string
  readonly peerURLs: ReadonlyArray<string>
  readonly clientURLs: ReadonlyArray<string>
  readonly isLearner: boolean
}

export interface EtcdStatus {
  readonly version: string
  readonly memberId: string
  readonly leader: string
  readonly raftIndex: string
  readonly isLearner: boolean
  readonly errors: ReadonlyArray<string>
}

/** The member ID in hex, as etcdctl prints it. */
export const hexId = (id: string): string => BigInt(id).toString(16)

const toMember = (m: Record<string, unknown>): EtcdMember => ({
  id: String(m.ID ?? "0"),
  name: String(m.name ?? ""),
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
        res.on("error", (e) => resume(Effect.fail(new EtcdError({ kind: "unreachable", message: `${endpoint}: ${e.message}` }))))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          let json: Record<string, unknown> = {}
          try {
            json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>)
          } catch {
            return resume(Effect.fail(new EtcdError({ kind: "unreachable", message: `${endpoint}: not a JSON answer (HTTP ${res.statusCode})` })))
          }
          if ((res.statusCode ?? 500) >= 400 || typeof json.error === "string") {
            const msg = String(json.message ?? json.error ?? `HTTP ${res.statusCode}`)
            // 503 from the gateway means etcd itself is not serving (no leader yet): retryable
            const kind = res.statusCode === 503 ? "unreachable" : "rejected"
            return resume(Effect.fail(new EtcdError({ kind, message: msg })))
          }
          resume(Effect.succeed(json))
        })
      }
    )
    req.on("timeout", () => req.destroy(new Error(`no answer within ${Duration.format(timeout)}`)))
    req.on("error", (e) => resume(Effect.fail(new EtcdError({ kind: "unreachable", message: `${endpoint}: ${e.message}` }))))
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
    if (endpoints.length === 0) return yield* new EtcdError({ kind: "unreachable", message: "no etcd endpoints known" })
    const failures: string[] = []
    for (const ep of endpoints) {
      const res = yield* Effect.either(post(ep, path, body, tls, timeout))
      if (res._tag === "Right") return res.right
      if (res.left.kind === "rejected") return yield* res.left
      failures.push(res.left.message)
    }
    return yield* new EtcdError({ kind: "unreachable", message: `no etcd endpoint answered: ${failures.join("; ")}` })
  })

export const listMembers = (endpoints: ReadonlyArray<string>, tls: EtcdTls) =>
  postAny(endpoints, "v3/cluster/member/list", {}, tls).pipe(
    Effect.map((r) => ((r.members as Array<Record<string, unknown>> | undefined) ?? []).map(toMember))
  )

export const addMember = (endpoints: ReadonlyArray<string>, tls: EtcdTls, peerURL: string, isLearner: boolean) =>
  postAny(endpoints, "v3/cluster/member/add", { peerURLs: [peerURL], ...(isLearner ? { isLearner: true } : {}) }, tls).pipe(
    Effect.map((r) => ({
      member: toMember((r.member as Record<string, unknown>) ?? {}),
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
    Effect.map(
      (r): EtcdStatus => ({
        version: String(r.version ?? ""),
        memberId: String((r.header as Record<string, unknown> | undefined)?.member_id ?? ""),
        leader: String(r.leader ?? "0"),
        raftIndex: String(r.raftIndex ?? "0"),
        isLearner: r.isLearner === true,
        errors: (r.errors as string[] | undefined) ?? []
      })
    )
  )
