/**
 * ClusterConfiguration (v1beta1..v1beta4 YAML document, as stored in
 * kubeadm-config) + this node -> ControlPlaneConfig, with kubeadm's defaults.
 * v1beta4 `extraArgs` lists ({name, value}) and maps (older versions) both work.
 */
import type { ComponentSettings, ControlPlaneConfig, HostPathMount, KeyAlgorithm } from "./control-plane-config.js"
import { behaviourForVersion } from "../kubeadm-behaviour.js"

/** A decoded YAML document (the ClusterConfiguration, or a part of it). */
export type Doc = Readonly<Record<string, unknown>>

const obj = (v: unknown): Doc => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Doc) : {})
const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : d)
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => str(x)).filter((x) => x !== "") : [])

/** Extra arguments as a map, from either the old map form or v1beta4's `name`/`value` list (later entries win). */
export const extraArgsOf = (v: unknown): Record<string, string> => {
  if (Array.isArray(v)) {
    const out: Record<string, string> = {}
    for (const item of v) {
      const o = obj(item)
      if (str(o.name) !== "") out[str(o.name)] = str(o.value)
    }
    return out
  }
  return Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, str(x)]))
}

const volumesOf = (v: unknown): HostPathMount[] =>
  (Array.isArray(v) ? v : []).map((x) => {
    const o = obj(x)
    return {
      name: str(o.name),
      hostPath: str(o.hostPath),
      mountPath: str(o.mountPath),
      readOnly: o.readOnly === true,
      pathType: str(o.pathType)
    }
  })

const component = (v: unknown): ComponentSettings => ({
  extraArgs: extraArgsOf(obj(v).extraArgs),
  extraVolumes: volumesOf(obj(v).extraVolumes)
})

const keyAlgorithmOf = (doc: Doc): KeyAlgorithm => {
  const enc = str(doc.encryptionAlgorithm)
  if (enc === "ECDSA-P256") return "ECDSA-P256"
  if (enc === "RSA-4096" || enc === "RSA-3072") return "RSA-4096"
  if (obj(doc.featureGates).PublicKeysECDSA === true) return "ECDSA-P256"
  return "RSA-2048"
}

/** What is specific to the joining node: its name and the address its API server advertises. */
export interface ThisNode {
  readonly nodeName: string
  readonly advertiseAddress: string
  readonly bindPort: number
}

type EtcdMode = { readonly kind: "local"; readonly local: Doc } | { readonly kind: "external"; readonly external: Doc }

const etcdConfig = (mode: EtcdMode): ControlPlaneConfig["etcd"] => {
  switch (mode.kind) {
    case "local": {
      const local = mode.local
      return {
        local: {
          dataDir: str(local.dataDir) || "/var/lib/etcd",
          ...(str(local.imageRepository) ? { imageRepository: str(local.imageRepository) } : {}),
          ...(str(local.imageTag) ? { imageTag: str(local.imageTag) } : {}),
          extraArgs: extraArgsOf(local.extraArgs),
          serverCertSANs: strList(local.serverCertSANs),
          peerCertSANs: strList(local.peerCertSANs)
        }
      }
    }
    case "external": {
      const external = mode.external
      return {
        external: {
          endpoints: strList(external.endpoints),
          caFile: str(external.caFile),
          certFile: str(external.certFile),
          keyFile: str(external.keyFile)
        }
      }
    }
  }
}

/** Builds the ControlPlaneConfig from the cluster's ClusterConfiguration document and this node, with kubeadm's defaults. */
export const controlPlaneConfigFrom = (doc: Doc, node: ThisNode): ControlPlaneConfig => {
  const version = str(doc.kubernetesVersion, "v1.15.0")
  const net = obj(doc.networking)
  const etcd = obj(doc.etcd)
  // One of the two, decided once: an `external` section wins, otherwise the (possibly empty) local one.
  const etcdMode =
    etcd.external === undefined || etcd.external === null
      ? ({ kind: "local", local: obj(etcd.local) } as const)
      : ({ kind: "external", external: obj(etcd.external) } as const)
  const apiServer = obj(doc.apiServer)
  return {
    kubernetesVersion: version,
    imageRepository: str(doc.imageRepository) || behaviourForVersion(version).defaultImageRepository,
    useHyperKubeImage: doc.useHyperKubeImage === true,
    certificatesDir: str(doc.certificatesDir) || "/etc/kubernetes/pki",
    clusterName: str(doc.clusterName) || "kubernetes",
    controlPlaneEndpoint: str(doc.controlPlaneEndpoint),
    networking: {
      serviceSubnet: str(net.serviceSubnet) || "10.96.0.0/12",
      podSubnet: str(net.podSubnet),
      dnsDomain: str(net.dnsDomain) || "cluster.local"
    },
    apiServer: { ...component(apiServer), certSANs: strList(apiServer.certSANs).map((s) => s.toLowerCase()) },
    controllerManager: component(doc.controllerManager),
    scheduler: component(doc.scheduler),
    etcd: etcdConfig(etcdMode),
    featureGates: Object.fromEntries(Object.entries(obj(doc.featureGates)).map(([k, v]) => [k, v === true])),
    keyAlgorithm: keyAlgorithmOf(doc),
    ...node
  }
}
