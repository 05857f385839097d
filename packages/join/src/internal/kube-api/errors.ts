/**
 * Classifying what client-node throws into a KubeApiError: an HTTP status with the Status
 * body's reason and message, or, without an answer, a TLS failure, an unreachable server or a
 * broken connection (by the innermost error code, then by the text).
 */
import { ResponseTooLarge } from "../../body-limit.js"
import { causeText } from "../../cause-text.js"
import { KubeApiError, type KubeApiReason, reasonOfStatus } from "../../kube-api/errors.js"
import type { ClientNode } from "./load.js"

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO"
])
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL"
])
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"])

/** The innermost error code of a fetch failure (node-fetch wraps the socket error). */
const codeOf = (e: unknown): string | undefined => {
  let cur: unknown = e
  for (let i = 0; i < 5 && typeof cur === "object" && cur !== null; i++) {
    const c = cur as { code?: unknown; errno?: unknown; cause?: unknown; reason?: unknown }
    if (typeof c.code === "string" && c.code !== "FETCH_ERROR" && !/^\d+$/.test(c.code)) return c.code
    if (typeof c.errno === "string") return c.errno
    cur = c.cause ?? c.reason
  }
  return undefined
}

/** The reason and message of a Kubernetes Status body (JSON text or parsed). */
export const statusBody = (body: unknown): { reason?: string; message?: string } => {
  let b = body
  if (typeof b === "string") {
    try {
      b = JSON.parse(b)
    } catch {
      return {}
    }
  }
  if (typeof b !== "object" || b === null) return {}
  const o = b as { reason?: unknown; message?: unknown }
  return {
    ...(typeof o.reason === "string" ? { reason: o.reason } : {}),
    ...(typeof o.message === "string" ? { message: o.message } : {})
  }
}

/** An answer with an error status. */
export const statusError = (
  op: string,
  server: string,
  status: number,
  body: unknown,
  retryAfterHeader?: string
): KubeApiError => {
  const parsed = statusBody(body)
  const retryAfter =
    retryAfterHeader !== undefined && /^\d+$/.test(retryAfterHeader.trim()) ? Number(retryAfterHeader) : undefined
  const text =
    parsed.message ?? (status === 401 ? "Unauthorized" : status === 429 ? "Too Many Requests" : `HTTP status ${status}`)
  return new KubeApiError({
    op,
    server,
    status,
    reason: reasonOfStatus(status, parsed.reason),
    detail: `${text} (${status}${parsed.reason ? ` ${parsed.reason}` : ""})`,
    ...(retryAfter !== undefined ? { retryAfter } : {})
  })
}

/** What client-node (or its watch) threw, as a KubeApiError. */
export const toError = (k8s: ClientNode, op: string, server: string, e: unknown): KubeApiError => {
  if (e instanceof ResponseTooLarge)
    return new KubeApiError({ op, server, status: 0, reason: "BadResponse", detail: e.message })
  if (e instanceof k8s.ApiException) return statusError(op, server, e.code, e.body, e.headers["retry-after"])
  // client-node's watch answers a non-200 status with a plain Error carrying statusCode
  const statusCode = typeof e === "object" && e !== null ? (e as { statusCode?: unknown }).statusCode : undefined
  if (typeof statusCode === "number") return statusError(op, server, statusCode, undefined)
  const code = codeOf(e)
  const text = causeText(e)
  const reason: KubeApiReason =
    code !== undefined && TLS_CODES.has(code)
      ? "TLSError"
      : code !== undefined && UNREACHABLE_CODES.has(code)
        ? "Unreachable"
        : code !== undefined && RESET_CODES.has(code)
          ? "ConnectionReset"
          : /socket hang up|other side closed|ECONNRESET/i.test(text)
            ? "ConnectionReset"
            : /certificate|self.signed|altname|tls|ssl/i.test(text)
              ? "TLSError"
              : "Unreachable"
  const detail =
    reason === "TLSError"
      ? `TLS verification failed: ${text}`
      : reason === "Unreachable"
        ? `cannot reach the server: ${text}`
        : text
  return new KubeApiError({ op, server, status: 0, reason, detail })
}
