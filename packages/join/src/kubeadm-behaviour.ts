/**
 * Which kubeadm behaviour a join follows, decided by the cluster it joins: its
 * `kubernetesVersion` and the `featureGates` of its ClusterConfiguration, as the
 * kubeadm release of that version would decide. Phases and the helpers they call
 * ask here instead of comparing versions themselves: every version fact of a join
 * lives in this module.
 *
 * Two choices follow the cluster's data rather than its version, as kubeadm's do: the etcd
 * endpoints come from kubeadm-config's ClusterStatus when it has one (clusters made by kubeadm
 * 1.15-1.21), else from the etcd Pods' advertise-client-urls annotation (1.18+; see
 * control-plane/etcd-client.ts); and update-status, where it still runs (`updateStatusPhase`),
 * is a no-op when there is no ClusterStatus.
 */
import type { Taint } from "./config/model.js"
import type { ClusterConfiguration } from "./discovery/join-data.js"

/** The control-plane label up to 1.23 (kubeadm 1.20-1.23 set it beside the new one). */
export const MASTER_LABEL = "node-role.kubernetes.io/master"
/** The control-plane label from 1.20 on. */
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
/** Keeps control-plane nodes out of external load balancers (kubeadm 1.21+ sets it on join). */
export const EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"

/** Which kubeadm behaviours the join follows, decided by the cluster's version and feature gates. */
export interface KubeadmBehaviour {
  /** The cluster's minor version (1.<minor>); 15 (the reference) when the version does not parse. */
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
  /**
   * The CSR API the kubelet's TLS bootstrap uses: certificates.k8s.io/v1 went GA in 1.19 (and
   * kubeadm 1.19 moved to it); v1beta1 before (removed from the API server in 1.22).
   */
  readonly csrApiVersion: "v1" | "v1beta1"
  /**
   * The kubelet's ConfigMap, in the order tried: 1.24 dropped the versioned
   * `kubelet-config-1.<minor>` name (UnversionedKubeletConfigMap: alpha 1.22, GA 1.24) for
   * `kubelet-config`; the other name is the fallback.
   */
  readonly kubeletConfigMaps: readonly [string, string]
  /**
   * `--container-runtime=remote` in kubeadm-flags.env: kubeadm wrote it up to 1.23; 1.24 removed
   * dockershim (remote is the only runtime) and kubeadm stopped writing it (the kubelet dropped the
   * flag in 1.27).
   */
  readonly containerRuntimeRemoteFlag: boolean
  /**
   * The CRI socket's form in the kubelet flag and the Node annotation: kubeadm 1.15-1.23 kept a
   * given value verbatim and wrote detected sockets as plain paths; 1.24 and later always write a
   * `unix://` URL (plain paths became deprecated then).
   */
  readonly criSocketAsUrl: boolean
  /**
   * The labels mark-control-plane applies: `master` up to 1.23, `control-plane` from 1.20 (both in
   * 1.20-1.23), and the exclude-from-external-load-balancers label from 1.21.
   */
  readonly controlPlaneLabels: ReadonlyArray<string>
  /**
   * The taint a control-plane node gets when the configuration gives none: `master` up to 1.23,
   * `control-plane` from 1.24 (1.24 dropped the master taint on join).
   */
  readonly controlPlaneTaint: Taint
  /**
   * kubeadm up to 1.19 printed mark-control-plane's one label as `adding the label "l=''"`, and the
   * closing banner said "Control plane (master) label and taint"; 1.20 (two labels) lists them and
   * drops "(master)".
   */
  readonly masterWording: boolean
  /** kubeadm 1.15 printed update-status' upload-config line lower-case ("storing"); 1.16 capitalised it. */
  readonly lowerCaseUploadConfig: boolean
  /**
   * The downloaded control-plane certificates' mode: kubeadm 1.15-1.21 wrote every file of the
   * kubeadm-certs Secret 0600; 1.22 writes certificates 0644 and keeps keys 0600.
   */
  readonly certificatesWorldReadable: boolean
  /**
   * From 1.20 controller-manager.conf and scheduler.conf point at this node's own API server
   * (advertiseAddress:bindPort) rather than the control-plane endpoint, and an existing kubeconfig
   * with another server gets a warning; up to 1.19 that mismatch is an error.
   */
  readonly localComponentKubeconfigs: boolean
  /**
   * admin.conf's group: `kubeadm:cluster-admins` (bound to cluster-admin by kubeadm init) from
   * 1.29, `system:masters` before.
   */
  readonly adminOrganization: string
  /**
   * The `O=system:masters` of the etcd healthcheck client, apiserver-etcd-client and
   * apiserver-kubelet-client certificates: kubeadm 1.29 dropped it (kubernetes#119859, #120521;
   * none of these clients needs the group); up to 1.28 they carry it.
   */
  readonly mastersOnClientCerts: boolean
  /**
   * kubeadm 1.37's wording of the join's progress lines (checked against 1.37 with the real
   * kubeadm; older clusters keep the 1.15 wording): the kubeadm-config ConfigMap named when it is
   * read, no line for the kubelet's ConfigMap download, "Starting the kubelet", the TLS bootstrap
   * wait without dots, the download-certs folder line, kubeadm's etcd lines.
   */
  readonly currentWording: boolean
  /**
   * kubeadm 1.37's static Pods (checked against the real 1.37; older clusters keep the earlier
   * shape): probes on a named container port `probe-port`, liveness every 10 s after 10 s, a
   * startup probe (failureThreshold 24 = 4 min / 10 s) and, for kube-apiserver, kube-scheduler
   * and etcd, a readiness probe (`/readyz`); the scheduler's liveness at `/livez`, etcd's at
   * `/livez` (readiness `/readyz`) with 100m/100Mi requests, `--feature-gates=InitialCorruptCheck=true`
   * and `--watch-progress-notify-interval=5s`; `priority: 2000001000`, the RuntimeDefault seccomp
   * profile, and no `creationTimestamp: null`.
   */
  readonly currentStaticPods: boolean
  /** The default imageRepository: registry.k8s.io from 1.25 (kubeadm moved off k8s.gcr.io), k8s.gcr.io before. */
  readonly defaultImageRepository: string
  /**
   * The etcd image tag kubeadm pairs with the cluster's minor (constants.SupportedEtcdVersion of
   * that release): 3.2.24 up to 1.13, 3.3.x for 1.14-1.16, 3.4.x for 1.17-1.21, 3.5.x from 1.22.
   */
  readonly etcdImageTag: string
  /**
   * From 1.16 the etcd Pod serves metrics on http://<loopback>:2381 (`--listen-metrics-urls`) and
   * its liveness probe GETs /health there; 1.15 probes with `etcdctl get foo`.
   */
  readonly etcdMetricsProbe: boolean
  /**
   * From 1.18 the etcd and kube-apiserver static Pods carry the advertise-address annotations
   * (`kubeadm.kubernetes.io/etcd.advertise-client-urls`, `.../kube-apiserver.advertise-address.endpoint`),
   * from which later joins read the etcd endpoints once ClusterStatus is gone (1.22).
   */
  readonly advertiseAnnotations: boolean
  /** The control-plane Pods' priorityClassName: system-node-critical from 1.19, system-cluster-critical before. */
  readonly priorityClassName: "system-node-critical" | "system-cluster-critical"
  /**
   * Controller-manager and scheduler probes: the secure ports (10257/10259, HTTPS) from 1.19,
   * the insecure ones (10252/10251, HTTP) before.
   */
  readonly secureComponentProbes: boolean
  /** `--cluster-name` on the controller-manager from 1.19. */
  readonly controllerManagerClusterName: boolean
  /**
   * `--service-cluster-ip-range` on the controller-manager (when a podSubnet is set) and delegated
   * authentication/authorization kubeconfigs on the scheduler: both from 1.16.
   */
  readonly componentFlags116: boolean
  /** The flexvolume-dir mount on the controller-manager: always up to 1.15, from 1.16 only where the dir exists. */
  readonly flexvolumeMountAlways: boolean
  /**
   * kube-apiserver up to 1.19 gets `--insecure-port=0`; from 1.20 (the insecure port gone) it gets
   * `--service-account-issuer` and `--service-account-signing-key-file` instead, and its liveness
   * probe GETs /livez rather than /healthz.
   */
  readonly apiServer120: boolean
}

/** The etcd version kubeadm pairs with a Kubernetes minor (constants.SupportedEtcdVersion). */
const ETCD_VERSIONS: Readonly<Record<number, string>> = {
  12: "3.2.24",
  13: "3.2.24",
  14: "3.3.10",
  15: "3.3.10",
  16: "3.3.15-0",
  17: "3.4.3-0",
  18: "3.4.3-0",
  19: "3.4.13-0",
  20: "3.4.13-0",
  21: "3.4.13-0",
  22: "3.5.0-0",
  23: "3.5.1-0",
  24: "3.5.3-0",
  25: "3.5.4-0",
  26: "3.5.6-0",
  27: "3.5.7-0",
  28: "3.5.9-0",
  29: "3.5.10-0",
  30: "3.5.12-0",
  // kubeadm 1.37's SupportedEtcdVersion (newer minors get its newest, as kubeadm's EtcdSupportedVersion does)
  34: "3.7.0-0",
  35: "3.7.0-0",
  36: "3.7.0-0"
}

/** The reference version's minor: what an unparsable version is taken for. */
const REFERENCE_MINOR = 15

/** The minor of a `v1.<minor>.<patch>` version; 15 (the reference) when it does not parse. */
export const minorOf = (version: string): number => {
  const m = /^v?\d+\.(\d+)/.exec(version)
  return m ? Number(m[1]) : REFERENCE_MINOR
}

/** A cluster's feature gates, as its ClusterConfiguration states them (absent: the version's default). */
export type FeatureGates = Readonly<Record<string, unknown>>

const gateOf = (gates: FeatureGates, name: string): boolean | undefined => {
  const value = gates[name]
  return typeof value === "boolean" ? value : undefined
}

/** The behaviours of a cluster at `1.<minor>` with these feature gates. */
export const behaviourForMinor = (minor: number, gates: FeatureGates = {}): KubeadmBehaviour => {
  const gate = (name: string) => gateOf(gates, name)
  const versioned = `kubelet-config-1.${String(minor)}`
  return {
    minor,
    // locked on from 1.36: the gate can no longer turn it off
    nodeLocalCriSocket: minor >= 36 || (minor >= 34 && gate("NodeLocalCRISocket") !== false),
    controlPlaneKubeletLocalMode:
      minor >= 35 ||
      (minor >= 33
        ? gate("ControlPlaneKubeletLocalMode") !== false
        : minor >= 31 && gate("ControlPlaneKubeletLocalMode") === true),
    updateStatusPhase: minor <= 30,
    waitForAllControlPlaneComponents:
      minor >= 34 ||
      (minor >= 33
        ? gate("WaitForAllControlPlaneComponents") !== false
        : minor >= 30 && gate("WaitForAllControlPlaneComponents") === true),
    etcdLearnerMode:
      minor >= 32 ||
      (minor >= 29 ? gate("EtcdLearnerMode") !== false : minor >= 27 && gate("EtcdLearnerMode") === true),
    csrApiVersion: minor >= 19 ? "v1" : "v1beta1",
    kubeletConfigMaps: minor >= 24 ? ["kubelet-config", versioned] : [versioned, "kubelet-config"],
    containerRuntimeRemoteFlag: minor < 24,
    criSocketAsUrl: minor >= 24,
    controlPlaneLabels: [
      ...(minor < 24 ? [MASTER_LABEL] : []),
      ...(minor >= 20 ? [CONTROL_PLANE_LABEL] : []),
      ...(minor >= 21 ? [EXCLUDE_LB_LABEL] : [])
    ],
    controlPlaneTaint: { key: minor >= 24 ? CONTROL_PLANE_LABEL : MASTER_LABEL, effect: "NoSchedule" },
    masterWording: minor < 20,
    lowerCaseUploadConfig: minor <= 15,
    certificatesWorldReadable: minor >= 22,
    localComponentKubeconfigs: minor >= 20,
    adminOrganization: minor >= 29 ? "kubeadm:cluster-admins" : "system:masters",
    mastersOnClientCerts: minor <= 28,
    currentWording: minor >= 37,
    currentStaticPods: minor >= 37,
    defaultImageRepository: minor >= 25 ? "registry.k8s.io" : "k8s.gcr.io",
    etcdImageTag: ETCD_VERSIONS[minor] ?? (minor < 12 ? "3.2.24" : minor > 36 ? "3.7.0-0" : "3.5.15-0"),
    etcdMetricsProbe: minor >= 16,
    advertiseAnnotations: minor >= 18,
    priorityClassName: minor >= 19 ? "system-node-critical" : "system-cluster-critical",
    secureComponentProbes: minor >= 19,
    controllerManagerClusterName: minor >= 19,
    componentFlags116: minor >= 16,
    flexvolumeMountAlways: minor <= 15,
    apiServer120: minor >= 20
  }
}

/** The behaviours of a cluster at this `kubernetesVersion` with these feature gates. */
export const behaviourForVersion = (version: string, gates: FeatureGates = {}): KubeadmBehaviour =>
  behaviourForMinor(minorOf(version), gates)

/** Works out the behaviours from the cluster's ClusterConfiguration. */
export const kubeadmBehaviour = (cluster: ClusterConfiguration): KubeadmBehaviour => {
  const gates = cluster.document["featureGates"]
  return behaviourForVersion(
    cluster.kubernetesVersion,
    typeof gates === "object" && gates !== null ? (gates as FeatureGates) : {}
  )
}
