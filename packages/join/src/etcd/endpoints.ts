/**
 * Where the cluster's etcd members are: 1.15 reads `ClusterStatus.apiEndpoints`
 * of the kubeadm-config ConfigMap (v1beta1/v1beta2); 1.18+ clusters annotate
 * the etcd static Pods with `kubeadm.kubernetes.io/etcd.advertise-client-urls`.
 */
import { Either } from "effect"
import { parse, stringify } from "yaml"
import { causeText } from "../cause-text.js"
import { urlHost } from "../manifests/control-plane-config.js"
import { ETCD_ADVERTISE_ANNOTATION } from "../manifests/static-pods.js"
import { EtcdError } from "./errors.js"

/** Where a control plane's API server listens, as ClusterStatus records it. */
export interface ApiEndpoint {
  readonly advertiseAddress: string
  readonly bindPort: number
}

/** The ClusterStatus document of kubeadm-config (removed in kubeadm 1.22), listing the control-plane nodes. */
export interface ClusterStatus {
  readonly apiVersion: string
  readonly apiEndpoints: Readonly<Record<string, ApiEndpoint>>
}

const invalid = (detail: string, cause?: unknown) =>
  Either.left(new EtcdError({ reason: "InvalidClusterStatus", detail, ...(cause === undefined ? {} : { cause }) }))

/** A YAML scalar field as text; maps and lists (never valid in these fields) read as the fallback. */
const scalarText = (v: unknown, fallback: string): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : fallback

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null

/** Decodes the `ClusterStatus` document; undefined when absent, a failure on junk. */
export const parseClusterStatus = (text: string | undefined): Either.Either<ClusterStatus | undefined, EtcdError> => {
  if (text === undefined || text.trim() === "") return Either.right(undefined)
  let doc: unknown
  try {
    doc = parse(text, { version: "1.1" })
  } catch (e) {
    // the yaml library's message quotes the source after its first line
    return invalid(causeText(e).split("\n")[0] ?? "", e)
  }
  if (!isMapping(doc)) return invalid("ClusterStatus is not a YAML mapping")
  const apiVersion = scalarText(doc["apiVersion"], "")
  if (!/^kubeadm\.k8s\.io\/v1beta[12]$/.test(apiVersion))
    return invalid(`unsupported ClusterStatus apiVersion "${apiVersion}"`)
  const raw = isMapping(doc["apiEndpoints"]) ? doc["apiEndpoints"] : {}
  const apiEndpoints: Record<string, ApiEndpoint> = {}
  for (const [node, ep] of Object.entries(raw)) {
    const fields = isMapping(ep) ? ep : {}
    apiEndpoints[node] = {
      advertiseAddress: scalarText(fields["advertiseAddress"], ""),
      bindPort: Number(fields["bindPort"] ?? 6443)
    }
  }
  return Either.right({ apiVersion, apiEndpoints })
}

/** `https://<advertiseAddress>:2379` per ClusterStatus entry, sorted by node name for a stable order. */
export const endpointsFromClusterStatus = (status: ClusterStatus): string[] =>
  Object.entries(status.apiEndpoints)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => e)
    .filter((e) => e.advertiseAddress !== "")
    .map((e) => `https://${urlHost(e.advertiseAddress)}:2379`)

/** Client URLs from etcd Pods' annotations (a Pod may list several, comma separated). */
export const endpointsFromEtcdPods = (
  pods: ReadonlyArray<{ metadata?: { annotations?: Record<string, string> } }>
): string[] => [
  ...new Set(
    pods.flatMap((p) =>
      (p.metadata?.annotations?.[ETCD_ADVERTISE_ANNOTATION] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
    )
  )
]

/** Renders ClusterStatus back (keys sorted, as Go marshals it). */
export const clusterStatusYaml = (status: ClusterStatus): string =>
  stringify(
    { apiEndpoints: status.apiEndpoints, apiVersion: status.apiVersion, kind: "ClusterStatus" },
    { version: "1.1", sortMapEntries: true }
  )
