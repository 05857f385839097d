/**
 * What the control-plane builders (certificates, kubeconfigs, static Pod
 * manifests, etcd member) need: the cluster's ClusterConfiguration merged with
 * this node's registration and local API endpoint, as kubeadm's InitConfiguration.
 * Plain data so the builders stay pure and testable.
 */
import { minorOf } from "../kubeadm-behaviour.js"

/** A hostPath volume and its mount. */
export interface HostPathMount {
  readonly name: string
  readonly hostPath: string
  readonly mountPath: string
  readonly readOnly: boolean
  readonly pathType: string
}

/** A component's extra arguments and extra host-path volumes from ClusterConfiguration. */
export interface ComponentSettings {
  readonly extraArgs: Readonly<Record<string, string>>
  readonly extraVolumes: ReadonlyArray<HostPathMount>
}

/** Settings of the stacked etcd kubeadm runs as a static Pod. */
export interface LocalEtcd {
  readonly dataDir: string
  readonly imageRepository?: string
  readonly imageTag?: string
  readonly extraArgs: Readonly<Record<string, string>>
  readonly serverCertSANs: ReadonlyArray<string>
  readonly peerCertSANs: ReadonlyArray<string>
}

/** An etcd cluster kubeadm does not manage, reached with the given client certificate. */
export interface ExternalEtcd {
  readonly endpoints: ReadonlyArray<string>
  readonly caFile: string
  readonly certFile: string
  readonly keyFile: string
}

/** The key algorithm of generated certificates (ClusterConfiguration `encryptionAlgorithm`). */
export type KeyAlgorithm = "RSA-2048" | "RSA-4096" | "ECDSA-P256"

/** Everything the control-plane phases need from ClusterConfiguration and this node, already defaulted. */
export interface ControlPlaneConfig {
  /** e.g. `v1.15.0`. */
  readonly kubernetesVersion: string
  readonly imageRepository: string
  readonly useHyperKubeImage: boolean
  /** Absolute path on the node, e.g. `/etc/kubernetes/pki`. */
  readonly certificatesDir: string
  readonly clusterName: string
  /** `host:port` (may be empty: then a control-plane join is refused). */
  readonly controlPlaneEndpoint: string
  readonly networking: { readonly serviceSubnet: string; readonly podSubnet: string; readonly dnsDomain: string }
  readonly apiServer: ComponentSettings & { readonly certSANs: ReadonlyArray<string> }
  readonly controllerManager: ComponentSettings
  readonly scheduler: ComponentSettings
  readonly etcd: { readonly local?: LocalEtcd; readonly external?: ExternalEtcd }
  readonly featureGates: Readonly<Record<string, boolean>>
  /** Key type of every key pair this node generates. */
  readonly keyAlgorithm: KeyAlgorithm
  /** This node. */
  readonly nodeName: string
  readonly advertiseAddress: string
  readonly bindPort: number
}

/** The minor version of `kubernetesVersion` (`v1.15.3` -> 15); unknown -> 15 (kubeadm-behaviour's `minorOf`). */
export const kubernetesMinor = (version: string): number => minorOf(version)

/** `[::1]` style bracketing of IPv6 hosts in URLs. */
export const urlHost = (ip: string): string => (ip.includes(":") ? `[${ip}]` : ip)

/** Splits `host[:port]` (IPv6 in brackets); port undefined when absent. */
export const splitHostPort = (endpoint: string): { host: string; port: number | undefined } => {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint)
  if (bracket?.[1] !== undefined) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : undefined }
  const idx = endpoint.lastIndexOf(":")
  if (idx > 0 && endpoint.indexOf(":") === idx) {
    return { host: endpoint.slice(0, idx), port: Number(endpoint.slice(idx + 1)) }
  }
  return { host: endpoint, port: undefined }
}

/** The API server URL every kubeconfig on a joining 1.15 control plane points at. */
export const controlPlaneUrl = (cfg: ControlPlaneConfig): string => {
  if (cfg.controlPlaneEndpoint === "") return `https://${urlHost(cfg.advertiseAddress)}:${cfg.bindPort}`
  const { host, port } = splitHostPort(cfg.controlPlaneEndpoint)
  return `https://${urlHost(host)}:${port ?? cfg.bindPort}`
}
