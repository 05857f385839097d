/**
 * The closing banner of a control-plane join (spec join-control-plane §9.6):
 * "(master)" up to 1.19 clusters, the plain wording after; the etcd line only
 * with a stacked etcd (an empty line otherwise).
 */
export const controlPlaneBannerText = (options: { readonly kubernetesMinor: number; readonly localEtcd: boolean }): string =>
  [
    "",
    "This node has joined the cluster and a new control plane instance was created:",
    "",
    "* Certificate signing request was sent to apiserver and approval was received.",
    "* The Kubelet was informed of the new secure connection details.",
    options.kubernetesMinor < 20
      ? "* Control plane (master) label and taint were applied to the new node."
      : "* Control plane label and taint were applied to the new node.",
    "* The Kubernetes control plane instances scaled up.",
    options.localEtcd ? "* A new etcd member was added to the local/stacked etcd cluster." : "",
    "",
    "To start administering your cluster from this node, you need to run the following as a regular user:",
    "",
    "\tmkdir -p $HOME/.kube",
    "\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config",
    "\tsudo chown $(id -u):$(id -g) $HOME/.kube/config",
    "",
    "Run 'kubectl get nodes' to see this node join the cluster.",
    "",
    ""
  ].join("\n")
