/** The one failure family of the kubelet's CSR bootstrap. No token or key ever appears in a message. */
import { Data } from "effect"
import type { KubeApiError } from "../kube-api/errors.js"

/**
 * Why the CSR bootstrap failed:
 * - `BadKubeconfig`: the bootstrap kubeconfig lacks what the bootstrap needs (a server, a CA,
 *   a token or client certificate, a usable certificate and key);
 * - `RequestFailed`: the API server answered with an error or could not be reached (after the
 *   retries of retryable failures);
 * - `Rejected`: the CSR was denied or failed;
 * - `Deleted`: the CSR was deleted before it was issued;
 * - `Timeout`: the deadline passed before the CSR was approved and issued.
 */
export const tlsBootstrapReasons = ["BadKubeconfig", "RequestFailed", "Rejected", "Deleted", "Timeout"] as const
/** One of tlsBootstrapReasons. */
export type TlsBootstrapReason = (typeof tlsBootstrapReasons)[number]
/** A failed CSR bootstrap; `cause` keeps the API failure for `-v` output. */
export class TlsBootstrapError extends Data.TaggedError("TlsBootstrapError")<{
  readonly reason: TlsBootstrapReason
  /** The CSR, once created. */
  readonly csrName?: string
  /** BadKubeconfig: what is wrong; Rejected: the condition; Timeout: what was still pending. */
  readonly detail?: string
  readonly cause?: KubeApiError
}> {
  override get message() {
    const csr =
      this.csrName === undefined
        ? "the certificate signing request"
        : `the certificate signing request "${this.csrName}"`
    switch (this.reason) {
      case "BadKubeconfig":
        return `the bootstrap kubeconfig cannot be used: ${this.detail ?? this.cause?.detail ?? "unknown"}`
      case "RequestFailed":
        return this.cause?.message ?? `a request for ${csr} failed`
      case "Rejected":
        return `certificate signing request "${this.csrName ?? ""}" was ${this.detail ?? "rejected"}`
      case "Deleted":
        return `certificate signing request "${this.csrName ?? ""}" was deleted before it was issued`
      case "Timeout":
        return `timed out waiting for ${csr} to be approved and issued${this.detail ? ` (${this.detail})` : ""}`
    }
  }

  /** The HTTP status of a failed request (0 when there was no answer or no request). */
  get status(): number {
    return this.cause?.status ?? 0
  }
}
