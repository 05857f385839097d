/**
 * The resource types the fake API server serves, as data: one entry per resource. Discovery
 * documents, URL routing and storage keys are all derived from this table.
 */
export interface ResourceType {
  /** "" for the core group. */
  readonly group: string
  /** Served versions; the first is the preferred one. Objects are stored once, whatever the version. */
  readonly versions: ReadonlyArray<string>
  readonly plural: string
  readonly singular: string
  readonly kind: string
  readonly namespaced: boolean
  readonly shortNames?: ReadonlyArray<string>
  readonly subresources?: ReadonlyArray<string>
}

const ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"] as const

/** Every resource type served; discovery documents, routing and storage keys come from this one table. */
export const RESOURCES: ReadonlyArray<ResourceType> = [
  {
    group: "",
    versions: ["v1"],
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"]
  },
  {
    group: "",
    versions: ["v1"],
    plural: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    shortNames: ["cm"]
  },
  { group: "", versions: ["v1"], plural: "secrets", singular: "secret", kind: "Secret", namespaced: true },
  {
    group: "",
    versions: ["v1"],
    plural: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    subresources: ["status"]
  },
  {
    group: "",
    versions: ["v1"],
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    shortNames: ["po"],
    subresources: ["status"]
  },
  {
    group: "",
    versions: ["v1"],
    plural: "serviceaccounts",
    singular: "serviceaccount",
    kind: "ServiceAccount",
    namespaced: true,
    shortNames: ["sa"]
  },
  {
    group: "certificates.k8s.io",
    versions: ["v1", "v1beta1"],
    plural: "certificatesigningrequests",
    singular: "certificatesigningrequest",
    kind: "CertificateSigningRequest",
    namespaced: false,
    shortNames: ["csr"],
    subresources: ["approval", "status"]
  },
  {
    group: "rbac.authorization.k8s.io",
    versions: ["v1"],
    plural: "roles",
    singular: "role",
    kind: "Role",
    namespaced: true
  },
  {
    group: "rbac.authorization.k8s.io",
    versions: ["v1"],
    plural: "rolebindings",
    singular: "rolebinding",
    kind: "RoleBinding",
    namespaced: true
  },
  {
    group: "rbac.authorization.k8s.io",
    versions: ["v1"],
    plural: "clusterroles",
    singular: "clusterrole",
    kind: "ClusterRole",
    namespaced: false
  },
  {
    group: "rbac.authorization.k8s.io",
    versions: ["v1"],
    plural: "clusterrolebindings",
    singular: "clusterrolebinding",
    kind: "ClusterRoleBinding",
    namespaced: false
  },
  {
    group: "authorization.k8s.io",
    versions: ["v1"],
    plural: "selfsubjectaccessreviews",
    singular: "selfsubjectaccessreview",
    kind: "SelfSubjectAccessReview",
    namespaced: false
  },
  {
    group: "coordination.k8s.io",
    versions: ["v1"],
    plural: "leases",
    singular: "lease",
    kind: "Lease",
    namespaced: true
  }
]

/** The served type for a URL's group, version and plural; undefined makes the request 404. */
export const findResource = (group: string, version: string, plural: string): ResourceType | undefined =>
  RESOURCES.find((r) => r.group === group && r.plural === plural && r.versions.includes(version))

/** `v1` for the core group, `<group>/<version>` otherwise, as objects and lists carry it. */
export const apiVersionOf = (group: string, version: string): string => (group === "" ? version : `${group}/${version}`)

/** Storage key of a resource type ("configmaps", "certificatesigningrequests.certificates.k8s.io"). */
export const resourceKey = (r: Pick<ResourceType, "group" | "plural">): string =>
  r.group === "" ? r.plural : `${r.plural}.${r.group}`

/** The `groups` and per-version resource lists kubectl and client-node read for discovery. */
export const discoveryGroups = () => {
  const groups = [...new Set(RESOURCES.filter((r) => r.group !== "").map((r) => r.group))]
  return groups.map((name) => {
    const versions = [...new Set(RESOURCES.filter((r) => r.group === name).flatMap((r) => r.versions))]
    return {
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] }
    }
  })
}

/** The `APIResourceList` of one group version (verbs, short names, subresources), or undefined when not served. */
export const resourceList = (group: string, version: string) => {
  const of = RESOURCES.filter((r) => r.group === group && r.versions.includes(version))
  if (of.length === 0) return undefined
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(group, version),
    resources: of.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: [...ALL_VERBS],
        ...(r.shortNames ? { shortNames: [...r.shortNames] } : {})
      },
      ...(r.subresources ?? []).map((s) => ({
        name: `${r.plural}/${s}`,
        singularName: "",
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ["get", "patch", "update"]
      }))
    ])
  }
}
