/**
 * The RBAC objects a kubeadm cluster has after `kubeadm init` (join-control-plane.md 1.5), plus
 * the built-in cluster roles they refer to, reduced to the rules that matter for a join.
 */
import type { KubeObject } from "../api-server/store.js"

/** The group of kubeadm's default bootstrap tokens, which the join bindings name. */
export const BOOTSTRAP_GROUP = "system:bootstrappers:kubeadm:default-node-token"

type Rule = {
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  verbs: string[]
  nonResourceURLs?: string[]
}
type Subject = { kind: "User" | "Group"; name: string; apiGroup: "rbac.authorization.k8s.io" }

const user = (name: string): Subject => ({ kind: "User", name, apiGroup: "rbac.authorization.k8s.io" })
const group = (name: string): Subject => ({ kind: "Group", name, apiGroup: "rbac.authorization.k8s.io" })

const role = (
  name: string,
  namespace: string | undefined,
  rules: Rule[]
): { resource: string; object: KubeObject } => ({
  resource: namespace ? "roles.rbac.authorization.k8s.io" : "clusterroles.rbac.authorization.k8s.io",
  object: { metadata: { name, ...(namespace ? { namespace } : {}) }, rules }
})

const binding = (
  name: string,
  namespace: string | undefined,
  roleKind: "Role" | "ClusterRole",
  roleName: string,
  subjects: Subject[]
) => ({
  resource: namespace ? "rolebindings.rbac.authorization.k8s.io" : "clusterrolebindings.rbac.authorization.k8s.io",
  object: {
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: roleName },
    subjects
  } as KubeObject
})

/** `kubeletConfigMapName`: "kubelet-config-1.15" or "kubelet-config". */
export const initRbac = (
  kubeletConfigMapNames: ReadonlyArray<string>
): Array<{ resource: string; object: KubeObject }> => [
  // built-in cluster roles
  role("cluster-admin", undefined, [
    { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
    { nonResourceURLs: ["*"], verbs: ["*"] }
  ]),
  role("system:public-info-viewer", undefined, [
    { nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"], verbs: ["get"] }
  ]),
  role("system:discovery", undefined, [
    {
      nonResourceURLs: [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/"
      ],
      verbs: ["get"]
    }
  ]),
  role("system:node-bootstrapper", undefined, [
    {
      apiGroups: ["certificates.k8s.io"],
      resources: ["certificatesigningrequests"],
      verbs: ["create", "get", "list", "watch"]
    }
  ]),
  role("system:certificates.k8s.io:certificatesigningrequests:nodeclient", undefined, [
    { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/nodeclient"], verbs: ["create"] }
  ]),
  role("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", undefined, [
    { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/selfnodeclient"], verbs: ["create"] }
  ]),
  role("system:basic-user", undefined, [
    {
      apiGroups: ["authorization.k8s.io"],
      resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      verbs: ["create"]
    }
  ]),
  binding("system:basic-user", undefined, "ClusterRole", "system:basic-user", [group("system:authenticated")]),
  binding("cluster-admin", undefined, "ClusterRole", "cluster-admin", [group("system:masters")]),
  binding("system:public-info-viewer", undefined, "ClusterRole", "system:public-info-viewer", [
    group("system:authenticated"),
    group("system:unauthenticated")
  ]),
  binding("system:discovery", undefined, "ClusterRole", "system:discovery", [group("system:authenticated")]),
  // kubeadm init
  role("kubeadm:bootstrap-signer-clusterinfo", "kube-public", [
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cluster-info"], verbs: ["get"] }
  ]),
  binding("kubeadm:bootstrap-signer-clusterinfo", "kube-public", "Role", "kubeadm:bootstrap-signer-clusterinfo", [
    user("system:anonymous")
  ]),
  role("kubeadm:nodes-kubeadm-config", "kube-system", [
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["kubeadm-config"], verbs: ["get"] }
  ]),
  binding("kubeadm:nodes-kubeadm-config", "kube-system", "Role", "kubeadm:nodes-kubeadm-config", [
    group(BOOTSTRAP_GROUP),
    group("system:nodes")
  ]),
  ...kubeletConfigMapNames.flatMap((cm) => {
    const name = cm === "kubelet-config" ? "kubeadm:kubelet-config" : `kubeadm:${cm}`
    return [
      role(name, "kube-system", [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [cm], verbs: ["get"] }]),
      binding(name, "kube-system", "Role", name, [group("system:nodes"), group(BOOTSTRAP_GROUP)])
    ]
  }),
  role("kube-proxy", "kube-system", [
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["kube-proxy"], verbs: ["get"] }
  ]),
  binding("kube-proxy", "kube-system", "Role", "kube-proxy", [group(BOOTSTRAP_GROUP)]),
  role("kubeadm:kubeadm-certs", "kube-system", [
    { apiGroups: [""], resources: ["secrets"], resourceNames: ["kubeadm-certs"], verbs: ["get"] }
  ]),
  binding("kubeadm:kubeadm-certs", "kube-system", "Role", "kubeadm:kubeadm-certs", [group(BOOTSTRAP_GROUP)]),
  binding("kubeadm:kubelet-bootstrap", undefined, "ClusterRole", "system:node-bootstrapper", [group(BOOTSTRAP_GROUP)]),
  binding(
    "kubeadm:node-autoapprove-bootstrap",
    undefined,
    "ClusterRole",
    "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    [group(BOOTSTRAP_GROUP)]
  ),
  binding(
    "kubeadm:node-autoapprove-certificate-rotation",
    undefined,
    "ClusterRole",
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
    [group("system:nodes")]
  ),
  // 1.16+: lets the joining node check for an existing Node (spec 6.6 step 4)
  role("kubeadm:get-nodes", undefined, [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }]),
  binding("kubeadm:get-nodes", undefined, "ClusterRole", "kubeadm:get-nodes", [group(BOOTSTRAP_GROUP)])
]
