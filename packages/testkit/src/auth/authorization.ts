/**
 * Authorization: `system:masters` may do anything; the Node authorizer for kubelets
 * (`system:node:<name>` in `system:nodes`); then RBAC evaluated from the Role/ClusterRole and
 * binding objects in the store (kubeadm init's rules are created there by initCluster).
 */
import type { UserInfo } from "./authentication.js"
import type { Store } from "../api-server/store.js"

/** What a request asks to do, in the terms of the API server's authorizers. */
export interface RequestAttributes {
  readonly verb: string
  readonly group: string
  readonly resource: string
  readonly subresource?: string | undefined
  readonly namespace?: string | undefined
  readonly name?: string | undefined
  /** For non-resource requests (/version, /api, ...). */
  readonly path?: string | undefined
  /** The request's `fieldSelector` (lists and watches), as the selector-aware Node authorizer reads it. */
  readonly fieldSelector?: string | undefined
}

interface PolicyRule {
  verbs?: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}
interface Subject {
  kind: string
  name: string
  namespace?: string
}

const matches = (list: ReadonlyArray<string> | undefined, value: string): boolean =>
  (list ?? []).some((v) => v === "*" || v === value)

const ruleAllows = (rule: PolicyRule, a: RequestAttributes): boolean => {
  if (!matches(rule.verbs, a.verb)) return false
  const path = a.path
  if (path !== undefined)
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.slice(0, -1)))
    )
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
  if (!matches(rule.apiGroups, a.group) || !matches(rule.resources, resource)) return false
  if (rule.resourceNames && rule.resourceNames.length > 0)
    return a.name !== undefined && rule.resourceNames.includes(a.name)
  return true
}

const subjectMatches = (s: Subject, user: UserInfo): boolean =>
  (s.kind === "User" && s.name === user.name) || (s.kind === "Group" && user.groups.includes(s.name))

const rbacAllows = (store: Store, user: UserInfo, a: RequestAttributes): boolean => {
  const rulesOf = (kind: string, name: string, namespace?: string): PolicyRule[] => {
    const role =
      kind === "ClusterRole"
        ? store.get("clusterroles.rbac.authorization.k8s.io", undefined, name)
        : store.get("roles.rbac.authorization.k8s.io", namespace, name)
    return (role?.["rules"] as PolicyRule[] | undefined) ?? []
  }
  for (const b of store.list("clusterrolebindings.rbac.authorization.k8s.io")) {
    const subjects = (b["subjects"] as Subject[] | undefined) ?? []
    const ref = b["roleRef"] as { kind: string; name: string }
    if (subjects.some((s) => subjectMatches(s, user)) && rulesOf(ref.kind, ref.name).some((r) => ruleAllows(r, a)))
      return true
  }
  if (a.namespace !== undefined && a.path === undefined) {
    for (const b of store.list("rolebindings.rbac.authorization.k8s.io", a.namespace)) {
      const subjects = (b["subjects"] as Subject[] | undefined) ?? []
      const ref = b["roleRef"] as { kind: string; name: string }
      if (
        subjects.some((s) => subjectMatches(s, user)) &&
        rulesOf(ref.kind, ref.name, a.namespace).some((r) => ruleAllows(r, a))
      )
        return true
    }
  }
  return false
}

const nodeSelf = (user: UserInfo): string | undefined =>
  user.groups.includes("system:nodes") && user.name.startsWith("system:node:")
    ? user.name.slice("system:node:".length)
    : undefined

/** `metadata.name=<n>` or `metadata.name==<n>` alone: the one selector a kubelet may list/watch its Node with. */
const selectsOnly = (selector: string | undefined, name: string) => {
  const m = /^\s*metadata\.name\s*==?\s*([^,\s]+)\s*$/.exec(selector ?? "")
  return m?.[1] === name
}

/**
 * What the Node authorizer + NodeRestriction let a kubelet do (reduced to what join and the FakeKubelet use),
 * as current clusters run them (selector authorization, on by default since 1.32): a kubelet reads only its
 * own Node (get by name, or list/watch selecting that name), and creates/updates/patches only its own Node.
 */
const nodeAllows = (user: UserInfo, a: RequestAttributes): boolean => {
  const self = nodeSelf(user)
  if (self === undefined || a.path !== undefined) return false
  if (a.group === "" && a.resource === "nodes") {
    if (["get", "list", "watch"].includes(a.verb))
      return (
        a.subresource === undefined &&
        (a.name === self || (a.name === undefined && a.verb !== "get" && selectsOnly(a.fieldSelector, self)))
      )
    // A create names the Node in its body (NodeRestriction checks it there), not in the URL.
    return (
      (a.name === self || (a.verb === "create" && a.name === undefined)) &&
      ["create", "update", "patch"].includes(a.verb)
    )
  }
  if (a.group === "coordination.k8s.io" && a.resource === "leases" && a.namespace === "kube-node-lease")
    return a.name === undefined || a.name === self
  return false
}

/** Whether `user` may do `a`: system:masters, then the Node authorizer, then RBAC from the store. */
export const authorize = (store: Store, user: UserInfo, a: RequestAttributes): boolean =>
  user.groups.includes("system:masters") || nodeAllows(user, a) || rbacAllows(store, user, a)

/** The real server's wording of a 403. */
export const forbiddenMessage = (user: UserInfo, a: RequestAttributes): string => {
  const self = nodeSelf(user)
  if (self !== undefined && a.path === undefined && a.group === "" && a.resource === "nodes") {
    // NodeRestriction (an admission plugin) refuses writes to another Node (or its status) with its own wording
    if (["create", "update", "patch"].includes(a.verb) && a.name !== undefined && a.name !== self) {
      return `nodes "${a.name}" is forbidden: node "${self}" is not allowed to modify node "${a.name}"`
    }
    // the Node authorizer's reason follows the generic text for reads
    if (["get", "list", "watch"].includes(a.verb) && a.subresource === undefined) {
      const reason =
        a.name === undefined
          ? `node '${self}' cannot read all nodes, only its own Node object`
          : `node '${self}' cannot read '${a.name}', only its own Node object`
      return `${genericForbidden(user, a)}: ${reason}`
    }
  }
  return genericForbidden(user, a)
}

const genericForbidden = (user: UserInfo, a: RequestAttributes): string => {
  if (a.path !== undefined) return `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path}"`
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
  const what = a.name
    ? `${a.group ? `${a.resource}.${a.group}` : a.resource} "${a.name}"`
    : a.group
      ? `${a.resource}.${a.group}`
      : a.resource
  const scope = a.namespace !== undefined ? `in the namespace "${a.namespace}"` : "at the cluster scope"
  return `${what} is forbidden: User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`
}
