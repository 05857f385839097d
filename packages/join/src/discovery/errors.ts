/**
 * Discovery failures: one family, told apart by `reason`. Every message starts
 * like kubeadm's (`couldn't validate the identity of the API Server: ...`) and
 * then says what is wrong and what to do. No token secret ever appears in a
 * message (only the token id, which is public).
 */
import { Data } from "effect"

const prefix = "couldn't validate the identity of the API Server: "

/**
 * - Unreachable: the endpoint never answered (refused, unreachable, unresolvable);
 * - TlsFailure: the TLS handshake with the (now pinned) CA failed: not the server the pin describes;
 * - MalformedPin: a `--discovery-token-ca-cert-hash` is not a `sha256:<hex>` pin;
 * - PinMismatch: none of the CAs cluster-info carries is pinned;
 * - NoJws: cluster-info has no signature for this token id;
 * - BadSignature: the signature is not made with this token's secret;
 * - Changed: the second, verified read differs from the first;
 * - Invalid: cluster-info (or the discovery file) is not a usable kubeconfig;
 * - File: the discovery file cannot be had;
 * - Timeout: the discovery timeout ran out.
 */
export const discoveryErrorReasons = [
  "Unreachable",
  "TlsFailure",
  "MalformedPin",
  "PinMismatch",
  "NoJws",
  "BadSignature",
  "Changed",
  "Invalid",
  "File",
  "Timeout"
] as const
/** One of discoveryErrorReasons. */
export type DiscoveryErrorReason = (typeof discoveryErrorReasons)[number]
/** Why discovery failed (unreachable server, pin mismatch, bad signature, timeout, ...); `message` is kubeadm's text. */
export class DiscoveryError extends Data.TaggedError("DiscoveryError")<{
  readonly reason: DiscoveryErrorReason
  /** The API server endpoint (Unreachable, TlsFailure). */
  readonly endpoint?: string
  /** What went wrong, in words (every reason but PinMismatch, NoJws, BadSignature, Changed, Timeout). */
  readonly detail?: string
  /** The token id (NoJws, BadSignature): public, unlike its secret. */
  readonly tokenId?: string
  /** The pins of the CA certificates cluster-info actually carries (PinMismatch). */
  readonly seen?: ReadonlyArray<string>
  /** The pins given with --discovery-token-ca-cert-hash (PinMismatch). */
  readonly pinned?: ReadonlyArray<string>
  /** The discovery file's path or URL (File). */
  readonly source?: string
  /** The discovery timeout, as Go prints it (Timeout). */
  readonly timeout?: string
  /** The last failure seen before the deadline, if any (Timeout). */
  readonly last?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    switch (this.reason) {
      case "Unreachable":
        return `${prefix}cannot reach the API server at "${this.endpoint ?? ""}": ${this.detail ?? ""}`
      case "TlsFailure":
        return `${prefix}the API server at "${this.endpoint ?? ""}" failed TLS verification against the cluster CA: ${this.detail ?? ""}`
      case "MalformedPin":
        return `${prefix}invalid discovery token CA certificate hash: ${this.detail ?? ""}`
      case "PinMismatch": {
        const seen = this.seen ?? []
        const pinned = this.pinned ?? []
        return `${prefix}cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${seen.join(":")}" are pinned (the cluster's CA has the pin ${seen.join(", ")}; --discovery-token-ca-cert-hash gave ${pinned.join(", ")})`
      }
      case "NoJws":
        return `${prefix}could not find a JWS signature in the cluster-info ConfigMap for token ID "${this.tokenId ?? ""}": the token id is invalid for this cluster or it has expired. Use "kubeadm token create" on the control-plane node to create a new valid token`
      case "BadSignature":
        return `${prefix}failed to verify JWS signature of received cluster info object, can't trust this API Server (the token secret for token ID "${this.tokenId ?? ""}" does not match)`
      case "Changed":
        return `${prefix}the second kubeconfig from the cluster-info ConfigMap (using validated TLS) was different from the first`
      case "Invalid":
        return `${prefix}${this.detail ?? ""}`
      case "File":
        return `${prefix}discovery file "${this.source ?? ""}": ${this.detail ?? ""}`
      case "Timeout":
        return `${prefix}abort connecting to API servers after timeout of ${this.timeout ?? ""}${this.last ? `; last error: ${this.last}` : ""}`
    }
  }
}
