/**
 * Which kubeadm behaviour a join follows, decided by the cluster it joins: its
 * `kubernetesVersion` and the `featureGates` of its ClusterConfiguration, as the
 * kubeadm release of that version would decide. Phases ask here instead of
 * comparing versions themselves.
 */
import type { ClusterConfiguration } from "./discovery/join-data.js"

/** Which kubeadm behaviours the join follows, decided by the cluster's version and feature gates. */
export interface KubeadmBehaviour {
  /** The cluster's minor version (1.<minor>). */
  readonly minor: number
  /**
   * NodeLocalCRISocket (beta and on by default in 1.34, GA in 1.36): the CRI socket goes to
   * /var/lib/kubelet/instance-config.yaml and into config.yaml as `containerRuntimeEndpoint`,
   * not into kubeadm-flags.env, and the Node gets no cri-socket annotation.
   */
  readonly nodeLocalCriSocket: boolean
  /**
   * EtcdLearnerMode (alpha 1.27, on by default from 1.29, GA 1.32): a joining etcd member is
   * added as a learner and promoted once in sync, so a slow new member never costs quorum.
   */
  readonly etcdLearnerMode: boolean
  /**
   * ControlPlaneKubeletLocalMode (alpha and off 1.31, beta and on 1.33, GA 1.35, gate gone 1.36)
   * decides the phase order: kubelet-start only starts the kubelet, `etcd-join` (top level)
   * adds the etcd member, then `kubelet-wait-bootstrap` waits for the kubelet. Without it the
   * 1.15 order: kubelet-start waits, `control-plane-join/etcd` adds the member.
   */
  readonly controlPlaneKubeletLocalMode: boolean
  /** `control-plane-join/update-status`: a no-op from 1.22 (no ClusterStatus), gone from 1.31. */
  readonly updateStatusPhase: boolean
  /**
   * WaitForAllControlPlaneComponents (the join phase `wait-control-plane` from 1.30: alpha and
   * off 1.30, beta and on 1.33, GA 1.34): wait for the new node's control-plane components.
   */
  readonly waitForAllControlPlaneComponents: boolean
}

/** The minor of a `v1.<minor>.<patch>` version; 0 when it does not parse. */
export const minorOf = (version: string): number => Number(/^v?\d+\.(\d+)/.exec(version)?.[1] ?? "0")

const gate = (cluster: ClusterConfiguration, name: string): boolean | undefined => {
  const gates = cluster.document["featureGates"]
  const value = typeof gates === "object" && gates !== null ? (gates as Record<string, unknown>)[name] : undefined
  return typeof value === "boolean" ? value : undefined
}

/** Works out the behaviours from the cluster's ClusterConfiguration. */
export const kubeadmBehaviour = (cluster: ClusterConfiguration): KubeadmBehaviour => {
  const minor = minorOf(cluster.kubernetesVersion)
  return {
    minor,
    // locked on from 1.36: the gate can no longer turn it off
    nodeLocalCriSocket: minor >= 36 || (minor >= 34 && gate(cluster, "NodeLocalCRISocket") !== false),
    controlPlaneKubeletLocalMode:
      minor >= 35 ||
      (minor >= 33
        ? gate(cluster, "ControlPlaneKubeletLocalMode") !== false
        : minor >= 31 && gate(cluster, "ControlPlaneKubeletLocalMode") === true),
    updateStatusPhase: minor <= 30,
    waitForAllControlPlaneComponents:
      minor >= 34 ||
      (minor >= 33
        ? gate(cluster, "WaitForAllControlPlaneComponents") !== false
        : minor >= 30 && gate(cluster, "WaitForAllControlPlaneComponents") === true),
    etcdLearnerMode:
      minor >= 32 ||
      (minor >= 29
        ? gate(cluster, "EtcdLearnerMode") !== false
        : minor >= 27 && gate(cluster, "EtcdLearnerMode") === true)
  }
}
