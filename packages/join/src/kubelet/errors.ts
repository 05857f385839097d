/** The one failure family of the kubelet's part of a join: its Node, its configuration, its TLS bootstrap, its health. */
import { Data } from "effect"

/**
 * - `ReadyNodeExists`: a Ready Node of this name exists and is not this machine;
 * - `NodeLookupFailed`: the Node could not be read;
 * - `ConfigDownloadFailed`: the kubelet's configuration could not be read from the cluster;
 * - `SelfBootstrapFailed`: the in-process TLS bootstrap (`--self-tls-bootstrap`) failed;
 * - `TlsBootstrapTimeout`: kubelet.conf did not become usable in time;
 * - `Unhealthy`: the kubelet's /healthz did not answer 200 in time;
 * - `CriSocketAnnotationFailed`: the Node could not be annotated with its CRI socket.
 */
export const kubeletErrorReasons = [
  "ReadyNodeExists",
  "NodeLookupFailed",
  "ConfigDownloadFailed",
  "SelfBootstrapFailed",
  "TlsBootstrapTimeout",
  "Unhealthy",
  "CriSocketAnnotationFailed"
] as const
/** One of kubeletErrorReasons. */
export type KubeletErrorReason = (typeof kubeletErrorReasons)[number]
/** A failure of the kubelet's part of a join, with kubeadm's text as its message. */
export class KubeletError extends Data.TaggedError("KubeletError")<{
  readonly reason: KubeletErrorReason
  /** The Node concerned. */
  readonly node?: string
  /** Unhealthy: the /healthz URL. */
  readonly url?: string
  /** TlsBootstrapTimeout: how long was waited (Go's duration text). */
  readonly timeout?: string
  /** What went wrong (the last answer, what is pending, the cause's text). */
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message() {
    const detail = this.detail ?? ""
    switch (this.reason) {
      case "ReadyNodeExists":
        return `a Node with name "${this.node ?? ""}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`
      case "NodeLookupFailed":
        return `cannot get Node "${this.node ?? ""}": ${detail}`
      case "ConfigDownloadFailed":
        return `couldn't download the kubelet configuration from the cluster: ${detail}`
      case "SelfBootstrapFailed":
        return `the in-process TLS bootstrap failed: ${detail}`
      case "TlsBootstrapTimeout":
        return `timed out after ${this.timeout ?? ""} waiting for the kubelet to perform the TLS Bootstrap: ${detail}`
      case "Unhealthy":
        return `failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL ${this.url ?? ""}' returned ${detail}`
      case "CriSocketAnnotationFailed":
        return `error writing CRISocket for this node: error patching node "${this.node ?? ""}" through apiserver: ${detail}`
    }
  }
}
