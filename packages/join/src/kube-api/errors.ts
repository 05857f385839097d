/**
 * The one failure of the Kubernetes API calls: `KubeApiError`, with the HTTP status (0 when
 * there was no answer) and a reason that callers branch on.
 */
import { Data } from "effect"

/**
 * What went wrong with one API call: an HTTP status (NotFound ... OtherStatus), or no usable
 * answer: Unreachable (refused, unreachable, name not resolved), ConnectionReset (broken
 * mid-way), TLSError (untrusted certificate, wrong host name), Timeout, BadResponse (malformed).
 */
export const kubeApiReasons = [
  "NotFound",
  "Unauthorized",
  "Forbidden",
  "Conflict",
  "AlreadyExists",
  "Invalid",
  "TooManyRequests",
  "ServerError",
  "OtherStatus",
  "Unreachable",
  "ConnectionReset",
  "TLSError",
  "Timeout",
  "BadResponse"
] as const
/** One of kubeApiReasons. */
export type KubeApiReason = (typeof kubeApiReasons)[number]

/** A failed API call (after the retries of retryable failures). Never carries a credential. */
export class KubeApiError extends Data.TaggedError("KubeApiError")<{
  /** What was attempted, e.g. `get ConfigMap kube-public/cluster-info`. */
  readonly op: string
  readonly server: string
  readonly status: number
  readonly reason: KubeApiReason
  readonly detail: string
  /** Seconds from a Retry-After header. */
  readonly retryAfter?: number
}> {
  override get message() {
    return `failed to ${this.op} from ${this.server}: ${this.detail}`
  }
}

/** Failures that another attempt may fix: throttling, server errors, broken connections, timeouts. */
export const isRetryable = (e: KubeApiError): boolean =>
  e.reason === "TooManyRequests" ||
  e.reason === "ServerError" ||
  e.reason === "ConnectionReset" ||
  e.reason === "Timeout" ||
  (e.reason === "OtherStatus" && e.status >= 500)

/** The reason of an HTTP status (and the Status body's reason, which tells AlreadyExists from Conflict). */
export const reasonOfStatus = (status: number, statusReason?: string): KubeApiReason => {
  switch (status) {
    case 401:
      return "Unauthorized"
    case 403:
      return "Forbidden"
    case 404:
      return "NotFound"
    case 409:
      return statusReason === "AlreadyExists" ? "AlreadyExists" : "Conflict"
    case 422:
      return "Invalid"
    case 429:
      return "TooManyRequests"
    default:
      return status >= 500 ? "ServerError" : "OtherStatus"
  }
}
