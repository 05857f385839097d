/**
 * A small HTTPS client for the few API calls the TLS bootstrap makes (node:https, so no
 * client-node start-up cost): JSON requests with retries for 5xx/429/resets (Retry-After
 * honoured) and line-delimited watch streams. The server is verified against the target's CA;
 * an empty CA would make node:https fall back to the public roots, so no request is sent then.
 * Bodies are capped (../body-limit.ts).
 */
import type { IncomingMessage } from "node:http"
import * as https from "node:https"
import { collectBody, MAX_RESPONSE_BYTES, ResponseTooLarge } from "../body-limit.js"
import { causeText } from "../cause-text.js"
import { unmapIpv4Url } from "../config/formats.js"
import { BootstrapConfigError, BootstrapConnectionError, BootstrapHttpError } from "./errors.js"

export interface ApiTarget {
  /** `https://host:port` (a trailing slash is ignored). */
  readonly server: string
  readonly caPem: string
  /** Bearer token (bootstrap token), or a client certificate/key pair. */
  readonly token?: string | undefined
  readonly clientCertPem?: string | undefined
  readonly clientKeyPem?: string | undefined
}

export interface RetryPolicy {
  readonly attempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export const defaultRetry: RetryPolicy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 5_000 }

export interface JsonResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: unknown
}

interface RequestSpec {
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly contentType?: string
  readonly timeoutMs: number
}

/** Refuses a target without a CA before its token or client certificate is sent anywhere. */
const noCa = (t: ApiTarget, method: string, path: string): BootstrapConfigError | undefined =>
  t.caPem.trim() === ""
    ? new BootstrapConfigError({ message: `${method} ${path}: no cluster CA to verify the API server with; refusing to send credentials` })
    : undefined

const options = (t: ApiTarget, spec: RequestSpec): https.RequestOptions => {
  const url = new URL(spec.path, unmapIpv4Url(t.server).replace(/\/+$/, "") + "/") // [::ffff:a.b.c.d] matches an IPv4 SAN, as in Go
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
      "user-agent": "kubeadm-ts-tls-bootstrap",
      ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
      ...(spec.body !== undefined ? { "content-type": spec.contentType ?? "application/json" } : {})
    },
    agent: false
  }
}

/** Not retried: the same server would send the same flood again. */
const tooLarge = (spec: { method: string; path: string }, status: number, e: ResponseTooLarge) =>
  new BootstrapHttpError({ status, reason: "ResponseTooLarge", message: `${spec.method} ${spec.path}: ${e.message}` })

/** One request, no retry. Network/TLS failures reject with BootstrapConnectionError. */
export const requestOnce = (t: ApiTarget, spec: RequestSpec): Promise<JsonResponse> =>
  new Promise((resolve, reject) => {
    const refused = noCa(t, spec.method, spec.path)
    if (refused !== undefined) return reject(refused)
    const onResponse = (res: IncomingMessage) =>
      collectBody(res, MAX_RESPONSE_BYTES, (result) => {
        if (result instanceof ResponseTooLarge) return reject(tooLarge(spec, res.statusCode ?? 0, result))
        if (result instanceof Error) return reject(new BootstrapConnectionError({ message: `${spec.method} ${spec.path}: ${result.message}` }))
        const text = result.toString("utf8")
        let body: unknown = text
        try {
          body = text.length > 0 ? JSON.parse(text) : undefined
        } catch {
          /* not JSON: keep the text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    let req: ReturnType<typeof https.request>
    // A malformed server URL or PEM (CA, client certificate or key) throws here: bad input, not a bug.
    try {
      req = https.request(options(t, spec), onResponse)
    } catch (e) {
      return reject(new BootstrapConfigError({ message: `${spec.method} ${spec.path} on ${t.server}: ${causeText(e)}` }))
    }
    req.setTimeout(spec.timeoutMs, () => req.destroy(new Error(`request timed out after ${spec.timeoutMs}ms`)))
    req.on("error", (e) => reject(new BootstrapConnectionError({ message: `${spec.method} ${spec.path}: ${e.message}` })))
    if (spec.body !== undefined) req.write(typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body))
    req.end()
  })

export const statusReason = (body: unknown): string =>
  typeof body === "object" && body !== null && "reason" in body ? String((body as { reason: unknown }).reason) : ""

const statusMessage = (body: unknown): string =>
  typeof body === "object" && body !== null && "message" in body ? String((body as { message: unknown }).message) : ""

export const httpError = (spec: { method: string; path: string }, r: JsonResponse): BootstrapHttpError =>
  new BootstrapHttpError({
    status: r.status,
    reason: statusReason(r.body),
    message: `${spec.method} ${spec.path}: ${r.status} ${statusReason(r.body) || "error"}${statusMessage(r.body) ? `: ${statusMessage(r.body)}` : ""}`
  })

const retryable = (status: number): boolean => status === 429 || status >= 500

/** Seconds in a Retry-After header (only the delta-seconds form is used by the API server). */
export const retryAfterMs = (headers: JsonResponse["headers"]): number | undefined => {
  const v = headers["retry-after"]
  const n = Number(Array.isArray(v) ? v[0] : v)
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined
}

export interface RetryNotice {
  readonly attempt: number
  readonly delayMs: number
  readonly cause: string
}

/**
 * A request with retries: 5xx, 429 (waiting Retry-After when given) and connection errors are
 * retried with jittered exponential backoff, other statuses are returned to the caller as is.
 */
export const request = async (
  t: ApiTarget,
  spec: RequestSpec,
  policy: RetryPolicy = defaultRetry,
  onRetry?: (n: RetryNotice) => void,
  deadline?: number
): Promise<JsonResponse> => {
  for (let attempt = 1; ; attempt++) {
    let cause: string
    let hinted: number | undefined
    try {
      const r = await requestOnce(t, spec)
      if (!retryable(r.status)) return r
      if (attempt >= policy.attempts) return r
      cause = `${r.status} ${statusReason(r.body)}`.trim()
      hinted = retryAfterMs(r.headers)
    } catch (e) {
      if (attempt >= policy.attempts || !(e instanceof BootstrapConnectionError)) throw e
      cause = e.message
    }
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
    let delayMs = hinted ?? Math.round(backoff * (0.8 + Math.random() * 0.4))
    if (deadline !== undefined) delayMs = Math.max(0, Math.min(delayMs, deadline - Date.now()))
    onRetry?.({ attempt, delayMs, cause })
    await new Promise((r) => setTimeout(r, delayMs))
  }
}

export interface WatchStream {
  /** Resolves when the server ends the stream (or it is closed). */
  readonly done: Promise<void>
  readonly close: () => void
}

/**
 * GET a watch URL and call `onEvent` for every JSON line. A non-200 answer rejects `opened`
 * with the HTTP error (so the caller can fall back to a list).
 */
export const watch = (
  t: ApiTarget,
  path: string,
  onEvent: (event: { type: string; object: unknown }) => void
): Promise<WatchStream> =>
  new Promise((resolveOpen, rejectOpen) => {
    const refused = noCa(t, "GET", path)
    if (refused !== undefined) return rejectOpen(refused)
    let finish: () => void = () => {}
    const done = new Promise<void>((r) => (finish = r))
    const req = https.request(options(t, { method: "GET", path, timeoutMs: 0 }), (res) => {
      if (res.statusCode !== 200) {
        collectBody(res, MAX_RESPONSE_BYTES, (result) => {
          if (result instanceof ResponseTooLarge) return rejectOpen(tooLarge({ method: "GET", path }, res.statusCode ?? 0, result))
          let body: unknown
          try {
            body = result instanceof Error ? undefined : JSON.parse(result.toString("utf8"))
          } catch {
            body = undefined
          }
          rejectOpen(httpError({ method: "GET", path }, { status: res.statusCode ?? 0, headers: res.headers, body }))
        })
        return
      }
      let buffered = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        buffered += chunk
        // One event is one object: a "line" that never ends is a flood, not an event.
        if (buffered.length > MAX_RESPONSE_BYTES) {
          buffered = ""
          req.destroy()
          return
        }
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
      rejectOpen(new BootstrapConnectionError({ message: `GET ${path}: ${e.message}` }))
      finish()
    })
    req.end()
  })
