/**
 * Discovery failures, one tag each, so callers and tests can tell them apart.
 * Every message starts like kubeadm's (`couldn't validate the identity of the API
 * Server: ...`) and then says what is wrong and what to do. No token secret ever
 * appears in a message (only the token id, which is public).
 */
import { Data } from "effect"

const prefix = "couldn't validate the identity of the API Server: "

/** The endpoint never answered (refused, unreachable, unresolvable). */
export class DiscoveryUnreachableError extends Data.TaggedError("DiscoveryUnreachableError")<{
  readonly endpoint: string
  readonly detail: string
}> {
  override get message() {
    return `${prefix}cannot reach the API server at "${this.endpoint}": ${this.detail}`
  }
}

/** The TLS handshake with the (now pinned) CA failed: not the server the pin describes. */
export class DiscoveryTlsError extends Data.TaggedError("DiscoveryTlsError")<{
  readonly endpoint: string
  readonly detail: string
}> {
  override get message() {
    return `${prefix}the API server at "${this.endpoint}" failed TLS verification against the cluster CA: ${this.detail}`
  }
}

export class MalformedCaHashError extends Data.TaggedError("MalformedCaHashError")<{ readonly detail: string }> {
  override get message() {
    return `${prefix}invalid discovery token CA certificate hash: ${this.detail}`
  }
}

export class CaPinMismatchError extends Data.TaggedError("CaPinMismatchError")<{
  /** The pins of the CA certificates cluster-info actually carries. */
  readonly seen: ReadonlyArray<string>
  readonly pinned: ReadonlyArray<string>
}> {
  override get message() {
    return `${prefix}cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${this.seen.join(":")}" are pinned (the cluster's CA has the pin ${this.seen.join(", ")}; --discovery-token-ca-cert-hash gave ${this.pinned.join(", ")})`
  }
}

export class MissingJwsError extends Data.TaggedError("MissingJwsError")<{ readonly tokenId: string }> {
  override get message() {
    return `${prefix}could not find a JWS signature in the cluster-info ConfigMap for token ID "${this.tokenId}": the token id is invalid for this cluster or it has expired. Use "kubeadm token create" on the control-plane node to create a new valid token`
  }
}

export class BadJwsSignatureError extends Data.TaggedError("BadJwsSignatureError")<{ readonly tokenId: string }> {
  override get message() {
    return `${prefix}failed to verify JWS signature of received cluster info object, can't trust this API Server (the token secret for token ID "${this.tokenId}" does not match)`
  }
}

export class ClusterInfoChangedError extends Data.TaggedError("ClusterInfoChangedError")<{}> {
  override get message() {
    return `${prefix}the second kubeconfig from the cluster-info ConfigMap (using validated TLS) was different from the first`
  }
}

/** cluster-info (or the discovery file) is not a usable kubeconfig. */
export class ClusterInfoInvalidError extends Data.TaggedError("ClusterInfoInvalidError")<{ readonly detail: string }> {
  override get message() {
    return `${prefix}${this.detail}`
  }
}

export class DiscoveryFileError extends Data.TaggedError("DiscoveryFileError")<{ readonly source: string; readonly detail: string }> {
  override get message() {
    return `${prefix}discovery file "${this.source}": ${this.detail}`
  }
}

export class DiscoveryTimeoutError extends Data.TaggedError("DiscoveryTimeoutError")<{
  readonly timeout: string
  /** The last failure seen before the deadline, if any. */
  readonly last?: string
}> {
  override get message() {
    return `${prefix}abort connecting to API servers after timeout of ${this.timeout}${this.last ? `; last error: ${this.last}` : ""}`
  }
}

export type DiscoveryError =
  | DiscoveryUnreachableError
  | DiscoveryTlsError
  | MalformedCaHashError
  | CaPinMismatchError
  | MissingJwsError
  | BadJwsSignatureError
  | ClusterInfoChangedError
  | ClusterInfoInvalidError
  | DiscoveryFileError
  | DiscoveryTimeoutError
