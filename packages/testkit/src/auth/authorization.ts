/**
 * Authorization: `system:masters` may do anything; the Node authorizer for kubelets
 * (`system:node:<name>` in `system:nodes`); then RBAC evaluated from the Role/ClusterRole and
 * binding objects in the store (kubeadm init's rules are created there by initCluster).
 */
import type { UserInfo } from "./authentication.js"
import type { Store } from "../api-server/store.js"

export interface RequestAttributes {
  readonly verb: string
  readonly group: string
  readonly resource: string
  readonly subresource?: string | undefined
  readonly namespace?: string | undefined
  readonly name?: string | undefined
  /** For non-resource requests (/version, /api, ...). */
  readonly path?: string | undefined
}

interface PolicyRule {
  verbs?: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}
interface Subject { kind: string; name: string; namespace?: string }

const matches = (list: ReadonlyArray<string> | undefined, value: string): boolean =>
  (list ?? []).some((v) => v === "*" || v === value)

const ruleAllows = (rule: PolicyRule, a: RequestAttributes): boolean => {
  if (!matches(rule.verbs, a.verb)) return false
  if (a.path !== undefined)
    return (rule.nonResourceURLs ?? []).some((u) => u === "*" || u === a.path || (u.endsWith("*") && a.path!.startsWith(u.slice(0, -1))))
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
  if (!matches(rule.apiGroups, a.group) || !matches(rule.resources, resource)) return false
  if (rule.resourceNames && rule.resourceNames.length > 0) return a.name !== undefined && rule.resourceNames.includes(a.name)
  return true
}

const subjectMatches = (s: Subject, user: UserInfo): boolean =>
  (s.kind === "User" && s.name === user.name) || (s.kind === "Group" && user.groups.includes(s.name))

const rbacAllows = (store: Store, user: UserInfo, a: RequestAttributes): boolean => {
  const rulesOf = (kind: string, name: string, namespace?: string): PolicyRule[] => {
    const role = kind === "ClusterRole"
      ? store.get("clusterroles.rbac.authorization.k8s.io", undefined, name)
      : store.get("roles.rbac.authorization.k8s.io", namespace, name)
    return (role?.["rules"] as PolicyRule[] | undefined) ?? []
  }
  for (const b of store.list("clusterrolebindings.rbac.authorization.k8s.io")) {
    const subjects = (b["subjects"] as Subject[] | undefined) ?? []
    const ref = b["roleRef"] as { kind: string; name: string }
    if (subjects.some((s) => subjectMatches(s, user)) && rulesOf(ref.kind, ref.name).some((r) => ruleAllows(r, a))) return true
  }
  if (a.namespace !== undefined && a.path === undefined) {
    for (const b of store.list("rolebindings.rbac.authorization.k8s.io", a.namespace)) {
      const subjects = (b["subjects"] as Subject[] | undefined) ?? []
      const ref = b["roleRef"] as { kind: string; name: string }
      if (subjects.some((s) => subjectMatches(s, user)) && rulesOf(ref.kind, ref.name, a.namespace).some((r) => ruleAllows(r, a))) return true
    }
  }
  return false
}

/** What the Node authorizer + NodeRestriction let a kubelet do (reduced to what join and the FakeKubelet use). */
const nodeAllows = (user: UserInfo, a: RequestAttributes): boolean => {
  if (!user.groups.includes("system:nodes") || !user.name.startsWith("system:node:")) return false
  const self = user.name.slice("system:node:".length)
  if (a.path !== undefined) return false
  if (a.group === "" && a.resource === "nodes") {
    if (["get", "list", "watch"].includes(a.verb)) return true
    // A create names the Node in its body (NodeRestriction checks it there), not in the URL.
    return (a.name === self || (a.verb === "create" && a.name === undefined)) && ["create", "update", "patch"].includes(a.verb)
  }
  if (a.group === "coordination.k8s.io" && a.resource === "leases" && a.namespace === "kube-node-lease") return a.name === undefined || a.name === self
  return false
}

export const authorize = (store: Store, user: UserInfo, a: RequestAttributes): boolean =>
  user.groups.includes("system:masters") || nodeAllows(user, a) || rbacAllows(store, user, a)

/** The real server's wording of a 403. */
export const forbiddenMessage = (user: UserInfo, a: RequestAttributes): string => {
  if (a.path !== undefined) return `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path}"`
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
  const what = a.name ? `${a.group ? `${a.resource}.${a.group}` : a.resource} "${a.name}"` : a.group ? `${a.resource}.${a.group}` : a.resource
  const scope = a.namespace !== undefined ? `in the namespace "${a.namespace}"` : "at the cluster scope"
  return `${what} is forbidden: User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`
}
