/** What can go wrong while a node becomes a control-plane instance: one family, told apart by `reason`. */
import { Data } from "effect"

/** kubeadm's advice when a node cannot become a control plane: closes every such message. */
export const CONTROL_PLANE_GATE_HELP = [
  "Please ensure that:",
  "* The cluster has a stable controlPlaneEndpoint address.",
  "* The certificates that must be shared among control plane instances are provided."
].join("\n")

/**
 * - Gate: a condition for hosting a new control plane instance is not met (preflight);
 * - NoAdvertiseAddress: none given and no interface holds a default route;
 * - AdminConfig: admin.conf cannot be loaded; AdminClient: no client can be made from it;
 * - EtcdCertificates: the etcd client certificates cannot be read;
 * - ClusterStatus: the ClusterStatus of kubeadm-config cannot be read;
 * - EtcdEndpoints: the etcd members cannot be found; EtcdUnavailable: etcd cannot be reached;
 * - EtcdUnhealthy: check-etcd found an unhealthy member; EtcdJoin: adding the local member failed;
 * - InvalidManifest: a generated static Pod is not a valid Pod;
 * - MarkNode: labelling and tainting the Node failed; UploadConfig: updating kubeadm-config failed.
 */
export const controlPlaneJoinErrorReasons = [
  "Gate",
  "NoAdvertiseAddress",
  "AdminConfig",
  "AdminClient",
  "EtcdCertificates",
  "ClusterStatus",
  "EtcdEndpoints",
  "EtcdUnavailable",
  "EtcdUnhealthy",
  "EtcdJoin",
  "InvalidManifest",
  "MarkNode",
  "UploadConfig"
] as const
/** One of controlPlaneJoinErrorReasons. */
export type ControlPlaneJoinErrorReason = (typeof controlPlaneJoinErrorReasons)[number]
/** A control-plane join that cannot go on; `reason` tells which gate or step, `message` is kubeadm's text. */
export class ControlPlaneJoinError extends Data.TaggedError("ControlPlaneJoinError")<{
  readonly reason: ControlPlaneJoinErrorReason
  /** What went wrong, in words; kubeadm's lead-in for the reason comes before it. */
  readonly detail?: string
  /** The static Pod's component (InvalidManifest). */
  readonly component?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const detail = this.detail ?? ""
    switch (this.reason) {
      case "Gate":
        return `\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n${detail}\n\n${CONTROL_PLANE_GATE_HELP}\n`
      case "NoAdvertiseAddress":
        return "unable to select an IP from the default route: no interface holds a default route; set the address this control plane advertises with --apiserver-advertise-address"
      case "AdminConfig":
        return `${detail}. Please use 'kubeadm join phase control-plane-prepare' subcommands to generate it.`
      case "EtcdCertificates":
        return `couldn't load the etcd client certificates: ${detail}`
      case "ClusterStatus":
        return `unexpected error when reading kubeadm-config ConfigMap: ${detail}`
      case "EtcdEndpoints":
        return `could not retrieve the list of etcd endpoints: ${detail}`
      case "EtcdUnhealthy":
        return `etcd cluster is not healthy: ${detail}`
      case "EtcdJoin":
        return `error creating local etcd static pod manifest file: ${detail}`
      case "InvalidManifest":
        return `the generated manifest for "${this.component ?? ""}" is not a valid Pod: ${detail}`
      case "MarkNode":
        return `error applying control-plane label and taints: ${detail}`
      case "UploadConfig":
        return `error uploading configuration: ${detail}`
      case "AdminClient":
      case "EtcdUnavailable":
        return detail
    }
  }
}
