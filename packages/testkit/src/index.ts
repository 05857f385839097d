/** The testkit: an in-process kubeadm control plane (HTTPS API server + controllers) and a kubelet stand-in. */
// The cluster as `kubeadm init` leaves it: a scoped service (`it.layer(cluster.layer(options))`), its
// promise form (initCluster), its objects, PKI and kubeconfigs.
export * as cluster from "./cluster/cluster.js"
export {
  Cluster,
  ClusterStartError,
  type ClusterOptions,
  type ClusterService,
  type JoinCommands,
  type TokenOptions
} from "./cluster/cluster.js"
export * from "./cluster/init-cluster.js"
export * from "./cluster/cluster-objects.js"
export * from "./cluster/kubeconfigs.js"
export * from "./cluster/pki.js"
// The fake API server, its object store, Status errors and request audit log.
export * from "./api-server/server.js"
export * from "./api-server/store.js"
export * from "./api-server/status.js"
export * from "./api-server/audit.js"
// Who may do what: authentication, authorization, kubeadm's RBAC objects.
export * from "./auth/authentication.js"
export * from "./auth/authorization.js"
export * from "./auth/rbac.js"
// The controller-manager stand-ins: bootstrap signer, token cleaner, CSR approver and signer.
export * from "./controllers/index.js"
// Fault injection per route.
export * from "./faults/faults.js"
// The joining node's side: a kubelet stand-in.
export * from "./node/fake-kubelet.js"
export type { ApiTarget } from "./raw-http.js"
// A real etcd: standalone, as a static Pod, as the init node's stacked member.
export * from "./etcd/real-etcd.js"
export * from "./etcd/static-pod.js"
export * from "./etcd/cluster-with-etcd.js"
// Polling instead of sleeps.
export * from "./wait.js"
