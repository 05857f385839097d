/** `meta.k8s.io/v1` Table rendering, used when kubectl asks for `as=Table` (so `kubectl get` shows useful columns). */
import type { KubeObject } from "./store.js"

type Column = { name: string; type: string; format?: string; value: (o: KubeObject) => string | number }

const age = (o: KubeObject): string => {
  const t = Date.parse(o.metadata.creationTimestamp ?? "")
  if (Number.isNaN(t)) return "<unknown>"
  const s = Math.max(0, Math.floor((Date.now() - t) / 1000))
  return s < 120
    ? `${s}s`
    : s < 7200
      ? `${Math.floor(s / 60)}m`
      : s < 172800
        ? `${Math.floor(s / 3600)}h`
        : `${Math.floor(s / 86400)}d`
}

const nodeStatus = (o: KubeObject): string => {
  const conditions =
    (o["status"] as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []
  const ready = conditions.find((c) => c.type === "Ready")
  return ready?.status === "True" ? "Ready" : "NotReady"
}

const nodeRoles = (o: KubeObject): string => {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice(24))
  return roles.length > 0 ? roles.sort().join(",") : "<none>"
}

const csrCondition = (o: KubeObject): string => {
  const st = (o["status"] ?? {}) as { conditions?: Array<{ type: string }>; certificate?: string }
  const c = (st.conditions ?? []).map((x) => x.type)
  const base = c.length > 0 ? c.join(",") : "Pending"
  return st.certificate ? `${base},Issued` : base
}

const spec = (o: KubeObject): Record<string, unknown> => (o["spec"] ?? {}) as Record<string, unknown>
/** A field as a cell: a string as it is, other JSON as JSON, an absent field as `fallback`. */
const cell = (v: unknown, fallback = ""): string =>
  v === undefined || v === null ? fallback : typeof v === "string" ? v : JSON.stringify(v)
const count = (v: unknown): number => (v && typeof v === "object" ? Object.keys(v).length : 0)

const COLUMNS: Record<string, Column[]> = {
  nodes: [
    { name: "Status", type: "string", value: nodeStatus },
    { name: "Roles", type: "string", value: nodeRoles },
    { name: "Age", type: "string", value: age },
    {
      name: "Version",
      type: "string",
      value: (o) =>
        (o["status"] as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo?.kubeletVersion ?? ""
    }
  ],
  certificatesigningrequests: [
    { name: "Age", type: "string", value: age },
    { name: "SignerName", type: "string", value: (o) => cell(spec(o)["signerName"]) },
    { name: "Requestor", type: "string", value: (o) => cell(spec(o)["username"]) },
    { name: "Condition", type: "string", value: csrCondition }
  ],
  configmaps: [
    { name: "Data", type: "integer", value: (o) => count(o["data"]) + count(o["binaryData"]) },
    { name: "Age", type: "string", value: age }
  ],
  secrets: [
    { name: "Type", type: "string", value: (o) => cell(o["type"], "Opaque") },
    { name: "Data", type: "integer", value: (o) => count(o["data"]) },
    { name: "Age", type: "string", value: age }
  ]
}

/** Whether the Accept header asks for `as=Table` (kubectl get does). */
export const wantsTable = (accept: string | undefined): boolean => (accept ?? "").includes("as=Table")

/** The `meta.k8s.io/v1` Table of `items`: Name, then the columns kubectl shows for that resource. */
export const toTable = (plural: string, items: ReadonlyArray<KubeObject>, resourceVersion: string) => {
  const cols: Column[] = [
    { name: "Name", type: "string", format: "name", value: (o) => o.metadata.name ?? "" },
    ...(COLUMNS[plural] ?? [{ name: "Age", type: "string", value: age }])
  ]
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: cols.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.name,
      priority: 0
    })),
    rows: items.map((o) => ({
      cells: cols.map((c) => c.value(o)),
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata }
    }))
  }
}
