/**
 * A raw HTTPS client for testing the testkit's API server and for the FakeKubelet's Node
 * registration (node:https, verified against the cluster CA): JSON requests, an optional retry
 * loop for 5xx/429/resets (Retry-After honoured), and line-delimited watch streams. The join
 * itself talks to the API through its KubeApi service; this client sends exactly what a test
 * asks for, status codes and all.
 */
import type { IncomingMessage } from "node:http"
import * as https from "node:https"
import { Either } from "effect"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { parseKubeconfig, selectCluster, selectUser } from "@kubeadm-ts/join/kubeconfig"

/** Where and as whom a request goes. */
export interface ApiTarget {
  /** `https://host:port` (a trailing slash is ignored). */
  readonly server: string
  readonly caPem: string
  /** Bearer token (bootstrap token), or a client certificate/key pair. */
  readonly token?: string | undefined
  readonly clientCertPem?: string | undefined
  readonly clientKeyPem?: string | undefined
}

/** The answer's status, headers and body (parsed JSON, or the text). */
export interface JsonResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: unknown
}

/** One request. */
export interface RequestSpec {
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly contentType?: string
  readonly timeoutMs: number
}

/** An error status (watch only: plain requests return every status). */
export class RawHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string
  ) {
    super(message)
  }
}

/** No answer: the server could not be reached, TLS failed, or the connection broke. */
export class RawConnectionError extends Error {}

/** The target or the kubeconfig it came from is unusable. */
export class RawConfigError extends Error {}

const options = (
  t: ApiTarget,
  spec: { method: string; path: string; body?: unknown; contentType?: string }
): https.RequestOptions => {
  const url = new URL(spec.path, t.server.replace(/\/+$/, "") + "/")
  return {
    protocol: "https:",
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || 443,
    path: url.pathname + url.search,
    method: spec.method,
    ca: t.caPem,
    ...(t.clientCertPem ? { cert: t.clientCertPem } : {}),
    ...(t.clientKeyPem ? { key: t.clientKeyPem } : {}),
    headers: {
      accept: "application/json",
      "user-agent": "kubeadm-ts-testkit",
      ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
      ...(spec.body !== undefined ? { "content-type": spec.contentType ?? "application/json" } : {})
    },
    agent: false
  }
}

const noCa = (t: ApiTarget) =>
  t.caPem.trim() === "" ? new RawConfigError("no cluster CA to verify the API server with") : undefined

const parseBody = (text: string): unknown => {
  try {
    return text.length > 0 ? JSON.parse(text) : undefined
  } catch {
    return text
  }
}

/** One request, no retry. Network/TLS failures reject with RawConnectionError. */
export const requestOnce = (t: ApiTarget, spec: RequestSpec): Promise<JsonResponse> =>
  new Promise((resolve, reject) => {
    const refused = noCa(t)
    if (refused !== undefined) return reject(refused)
    const onResponse = (res: IncomingMessage) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: parseBody(Buffer.concat(chunks).toString("utf8"))
        })
      )
      res.on("error", (e) => reject(new RawConnectionError(`${spec.method} ${spec.path}: ${e.message}`)))
    }
    let req: ReturnType<typeof https.request>
    try {
      req = https.request(options(t, spec), onResponse)
    } catch (e) {
      return reject(new RawConfigError(`${spec.method} ${spec.path} on ${t.server}: ${causeText(e)}`))
    }
    req.setTimeout(spec.timeoutMs, () => req.destroy(new Error(`request timed out after ${spec.timeoutMs}ms`)))
    req.on("error", (e) => reject(new RawConnectionError(`${spec.method} ${spec.path}: ${e.message}`)))
    if (spec.body !== undefined) req.write(typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body))
    req.end()
  })

/** How often `request` tries. */
export interface RetryPolicy {
  readonly attempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

const retryAfterMs = (headers: JsonResponse["headers"]): number | undefined => {
  const v = headers["retry-after"]
  const n = Number(Array.isArray(v) ? v[0] : v)
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined
}

/** A request with retries: 5xx, 429 (waiting Retry-After) and connection errors are retried; other statuses are returned as is. */
export const request = async (
  t: ApiTarget,
  spec: RequestSpec,
  policy: RetryPolicy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 5_000 }
): Promise<JsonResponse> => {
  for (let attempt = 1; ; attempt++) {
    let hinted: number | undefined
    try {
      const r = await requestOnce(t, spec)
      if (!(r.status === 429 || r.status >= 500) || attempt >= policy.attempts) return r
      hinted = retryAfterMs(r.headers)
    } catch (e) {
      if (attempt >= policy.attempts || !(e instanceof RawConnectionError)) throw e
    }
    const delayMs = hinted ?? Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
    await new Promise((r) => setTimeout(r, delayMs))
  }
}

/** An open watch. */
export interface WatchStream {
  /** Resolves when the server ends the stream (or it is closed). */
  readonly done: Promise<void>
  readonly close: () => void
}

const reasonOf = (body: unknown): string =>
  typeof body === "object" && body !== null && "reason" in body ? String(body.reason) : ""

/** GET a watch URL and call `onEvent` for every JSON line; a non-200 answer rejects with RawHttpError. */
export const watch = (
  t: ApiTarget,
  path: string,
  onEvent: (event: { type: string; object: unknown }) => void
): Promise<WatchStream> =>
  new Promise((resolveOpen, rejectOpen) => {
    const refused = noCa(t)
    if (refused !== undefined) return rejectOpen(refused)
    let finish: () => void = () => {}
    const done = new Promise<void>((r) => (finish = r))
    const req = https.request(options(t, { method: "GET", path }), (res) => {
      if (res.statusCode !== 200) {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => {
          const body = parseBody(Buffer.concat(chunks).toString("utf8"))
          rejectOpen(
            new RawHttpError(
              res.statusCode ?? 0,
              reasonOf(body),
              `GET ${path}: ${res.statusCode ?? 0} ${reasonOf(body) || "error"}`
            )
          )
        })
        return
      }
      let buffered = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        buffered += chunk
        let nl: number
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim()
          buffered = buffered.slice(nl + 1)
          if (line.length === 0) continue
          try {
            onEvent(JSON.parse(line) as { type: string; object: unknown })
          } catch {
            /* a partial or foreign line: ignore it */
          }
        }
      })
      res.on("end", finish)
      res.on("close", finish)
      res.on("error", finish)
      resolveOpen({ done, close: () => req.destroy() })
    })
    req.on("error", (e) => {
      rejectOpen(new RawConnectionError(`GET ${path}: ${e.message}`))
      finish()
    })
    req.end()
  })

/**
 * The API target of a kubeconfig's current context (cluster and user). File references are
 * resolved by `readFile` (e.g. inside a rootfs).
 */
export const targetFromKubeconfig = (
  text: string,
  readFile: (path: string) => string = () => {
    throw new RawConfigError("the kubeconfig references a file, but no file reader was given")
  }
): ApiTarget => {
  const parsed = parseKubeconfig(text)
  if (Either.isLeft(parsed)) throw new RawConfigError(`cannot parse the kubeconfig: ${parsed.left.message}`)
  const k = parsed.right
  const cluster = selectCluster(k)?.value
  const user = selectUser(k)?.value ?? {}
  if (cluster === undefined || cluster.server === "")
    throw new RawConfigError("the kubeconfig has no cluster with a server for its current context")
  const caPem =
    cluster.certificateAuthorityData ??
    (cluster.certificateAuthority ? readFile(cluster.certificateAuthority) : undefined)
  if (!caPem) throw new RawConfigError("the kubeconfig's cluster has no certificate authority")
  const pick = (data: string | undefined, file: string | undefined): string | undefined =>
    data ? data : file ? readFile(file) : undefined
  return {
    server: cluster.server,
    caPem,
    token: user.token,
    clientCertPem: pick(user.clientCertificateData, user.clientCertificate),
    clientKeyPem: pick(user.clientKeyData, user.clientKey)
  }
}
