/**
 * The ConfigMaps and Secrets `kubeadm init` uploads, as plain objects: kubeadm-config
 * (ClusterConfiguration + ClusterStatus, join-control-plane.md 1.2), kubelet-config-1.X,
 * kube-proxy, bootstrap token Secrets (spec 5.1).
 */
import { stringify } from "yaml"
import type { KubeObject } from "../api-server/store.js"

/** The cluster's service and pod networks, as ClusterConfiguration's `networking` and kube-proxy's config carry them. */
export interface Networking {
  readonly dnsDomain: string
  readonly serviceSubnet: string
  readonly podSubnet?: string | undefined
}

/** ClusterConfiguration's `etcd`: a stacked member (local) or the endpoints and client files of an external cluster. */
export type EtcdConfig =
  | {
      readonly local: {
        readonly dataDir: string
        readonly serverCertSANs?: string[]
        readonly peerCertSANs?: string[]
        readonly extraArgs?: Record<string, string>
      }
    }
  | {
      readonly external: {
        readonly endpoints: string[]
        readonly caFile: string
        readonly certFile: string
        readonly keyFile: string
      }
    }

/** One control plane's entry in ClusterStatus, which a joining control plane reads to find its peers. */
export interface ApiEndpoint {
  readonly advertiseAddress: string
  readonly bindPort: number
}

/** The fields the testkit puts into kubeadm-config's ClusterConfiguration, per kubeadm API version. */
export interface ClusterConfigSpec {
  readonly apiVersion: "v1beta1" | "v1beta2" | "v1beta3"
  readonly kubernetesVersion: string
  readonly clusterName: string
  readonly controlPlaneEndpoint: string
  readonly certificatesDir: string
  readonly imageRepository: string
  readonly networking: Networking
  readonly etcd: EtcdConfig
  readonly certSANs?: ReadonlyArray<string> | undefined
}

/** YAML with sorted keys, as Go's marshaller emits it; YAML 1.1 so Go reads `yes`/`no` strings back as strings. */
export const goYaml = (doc: unknown): string => stringify(doc, { sortMapEntries: true, version: "1.1" })

/** kubeadm-config's ClusterConfiguration document, shaped as kubeadm init of that API version writes it. */
export const clusterConfigurationYaml = (c: ClusterConfigSpec): string =>
  goYaml({
    apiServer: {
      ...(c.certSANs && c.certSANs.length > 0 ? { certSANs: [...c.certSANs] } : {}),
      extraArgs: { "authorization-mode": "Node,RBAC" },
      timeoutForControlPlane: "4m0s"
    },
    apiVersion: `kubeadm.k8s.io/${c.apiVersion}`,
    certificatesDir: c.certificatesDir,
    clusterName: c.clusterName,
    ...(c.controlPlaneEndpoint || c.apiVersion === "v1beta1" ? { controlPlaneEndpoint: c.controlPlaneEndpoint } : {}),
    controllerManager: {},
    dns: c.apiVersion === "v1beta3" ? {} : { type: "CoreDNS" },
    etcd: c.etcd,
    imageRepository: c.imageRepository,
    kind: "ClusterConfiguration",
    kubernetesVersion: c.kubernetesVersion,
    networking: {
      dnsDomain: c.networking.dnsDomain,
      ...(c.networking.podSubnet !== undefined
        ? { podSubnet: c.networking.podSubnet }
        : c.apiVersion === "v1beta1"
          ? { podSubnet: "" }
          : {}),
      serviceSubnet: c.networking.serviceSubnet
    },
    scheduler: {}
  })

/** kubeadm-config's ClusterStatus document: the control planes' API endpoints, which a joining control plane extends. */
export const clusterStatusYaml = (apiVersion: string, endpoints: Readonly<Record<string, ApiEndpoint>>): string =>
  goYaml({ apiEndpoints: endpoints, apiVersion: `kubeadm.k8s.io/${apiVersion}`, kind: "ClusterStatus" })

/** The n-th address of an IPv4 CIDR (10.96.0.0/12, 10 -> 10.96.0.10). */
export const nthAddress = (cidr: string, n: number): string => {
  const [ip = "0.0.0.0"] = cidr.split("/")
  const v = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0) + n
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".")
}

/** kubeadm's KubeletConfiguration defaults (v1.15 shape). */
export const kubeletConfigurationYaml = (n: Networking): string =>
  goYaml({
    address: "0.0.0.0",
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    authentication: {
      anonymous: { enabled: false },
      webhook: { cacheTTL: "2m0s", enabled: true },
      x509: { clientCAFile: "/etc/kubernetes/pki/ca.crt" }
    },
    authorization: { mode: "Webhook", webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" } },
    cgroupDriver: "cgroupfs",
    clusterDNS: [nthAddress(n.serviceSubnet, 10)],
    clusterDomain: n.dnsDomain,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    kind: "KubeletConfiguration",
    rotateCertificates: true,
    staticPodPath: "/etc/kubernetes/manifests"
  })

/** The kube-proxy ConfigMap's config.conf, whose clusterCIDR the join compares with the pod subnet. */
export const kubeProxyConfigYaml = (n: Networking): string =>
  goYaml({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    bindAddress: "0.0.0.0",
    clientConnection: { kubeconfig: "/var/lib/kube-proxy/kubeconfig.conf" },
    clusterCIDR: n.podSubnet ?? "",
    kind: "KubeProxyConfiguration",
    mode: ""
  })

/** The kube-proxy ConfigMap's kubeconfig.conf: the in-cluster service-account credentials kube-proxy uses. */
export const kubeProxyKubeconfig = (server: string): string =>
  goYaml({
    apiVersion: "v1",
    clusters: [
      {
        cluster: { "certificate-authority": "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", server },
        name: "default"
      }
    ],
    contexts: [{ context: { cluster: "default", namespace: "default", user: "default" }, name: "default" }],
    "current-context": "default",
    kind: "Config",
    users: [{ name: "default", user: { tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" } }]
  })

/** A ConfigMap with only name, namespace and data; the store fills in uid, resourceVersion and timestamps. */
export const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({
  metadata: { name, namespace },
  data
})

const b64 = (s: string) => Buffer.from(s).toString("base64")

/** A bootstrap token to seed: what goes into its `bootstrap-token-<id>` Secret in kube-system. */
export interface TokenSpec {
  readonly id: string
  readonly secret: string
  /** Absent = never expires. */
  readonly expiration?: Date | undefined
  readonly usages?: ReadonlyArray<"authentication" | "signing"> | undefined
  readonly groups?: ReadonlyArray<string> | undefined
  readonly description?: string | undefined
}

/** RFC 3339 in local time with offset, as kubeadm writes `expiration`. */
export const rfc3339Local = (d: Date): string => {
  const off = -d.getTimezoneOffset()
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, "0")
  const local = new Date(d.getTime() + off * 60_000).toISOString().replace(/\.\d+Z$/, "")
  return `${local}${off >= 0 ? "+" : "-"}${pad(off / 60)}:${pad(off % 60)}`
}

/** The bootstrap-token Secret the token authenticator and the JWS signer read, base64 fields as kubeadm writes them. */
export const tokenSecret = (t: TokenSpec): KubeObject => {
  const data: Record<string, string> = { "token-id": b64(t.id), "token-secret": b64(t.secret) }
  if (t.description) data["description"] = b64(t.description)
  if (t.expiration) data["expiration"] = b64(rfc3339Local(t.expiration))
  for (const u of t.usages ?? []) data[`usage-bootstrap-${u}`] = b64("true")
  if (t.groups && t.groups.length > 0) data["auth-extra-groups"] = b64(t.groups.join(","))
  return {
    metadata: { name: `bootstrap-token-${t.id}`, namespace: "kube-system" },
    type: "bootstrap.kubernetes.io/token",
    data
  }
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
/** Random characters from the bootstrap-token alphabet ([a-z0-9]): a token ID (6) or secret (16). */
export const randomTokenPart = (n: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => ALPHABET[b % ALPHABET.length]).join("")
