/**
 * The closing banner of a control-plane join (spec join-control-plane §9.6):
 * "(master)" up to 1.19 clusters, the plain wording after; the etcd line only
 * with a stacked etcd (an empty line otherwise).
 */
import { Effect } from "effect"
import { JoinData } from "../discovery/join-data.js"
import { behaviourForMinor, behaviourForVersion } from "../kubeadm-behaviour.js"
import { controlPlaneConfigFrom } from "../manifests/from-cluster-configuration.js"

const REFERENCE_MINOR = 15

/** The closing message of a control-plane join; its wording follows the cluster's minor version and the etcd kind. */
export const controlPlaneBannerText = (options: {
  readonly kubernetesMinor: number
  readonly localEtcd: boolean
}): string =>
  [
    "",
    "This node has joined the cluster and a new control plane instance was created:",
    "",
    "* Certificate signing request was sent to apiserver and approval was received.",
    "* The Kubelet was informed of the new secure connection details.",
    behaviourForMinor(options.kubernetesMinor).masterWording
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

/**
 * The banner for this join's cluster, from the ClusterConfiguration the join
 * already read (JoinData caches it: no extra API call). When it cannot be had
 * (every phase that reads it was skipped and the cluster is unreachable now),
 * the wording of 1.15 with the etcd line, as this project's reference version.
 */
export const controlPlaneBanner: Effect.Effect<string, never, JoinData> = Effect.gen(function* () {
  const data = yield* JoinData
  const cluster = yield* data.clusterConfiguration
  const cfg = controlPlaneConfigFrom(cluster.document, { nodeName: "", advertiseAddress: "", bindPort: 6443 })
  return controlPlaneBannerText({
    kubernetesMinor: behaviourForVersion(cluster.kubernetesVersion).minor,
    localEtcd: cfg.etcd.local !== undefined
  })
}).pipe(Effect.orElseSucceed(() => controlPlaneBannerText({ kubernetesMinor: REFERENCE_MINOR, localEtcd: true })))
