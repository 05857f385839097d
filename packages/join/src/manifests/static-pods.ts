/**
 * The static Pod manifests kubeadm writes for a control-plane node
 * (kube-apiserver, kube-controller-manager, kube-scheduler, etcd), as plain
 * core/v1 Pod objects. Shape follows kubeadm 1.15; a few fields follow the
 * cluster's kubernetesVersion where later kubeadm changed them.
 */
import { stringify } from "yaml"
import { behaviourForMinor, behaviourForVersion } from "../kubeadm-behaviour.js"
import type { ControlPlaneConfig, HostPathMount } from "./control-plane-config.js"

/** A static Pod manifest as a plain object, written out as YAML. */
export type Pod = Record<string, unknown>

/** kubeadm's configuration folder: kubeconfigs live here. */
export const KUBERNETES_DIR = "/etc/kubernetes"
/** Where the kubelet picks up static Pod manifests. */
export const MANIFESTS_DIR = "/etc/kubernetes/manifests"
/** The etcd Pod annotation with its client URLs, which later kubeadm reads to find etcd members. */
export const ETCD_ADVERTISE_ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls"
/** The kube-apiserver Pod annotation with its advertised endpoint. */
export const APISERVER_ADVERTISE_ANNOTATION = "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"

/** CA bundle folders mounted into the API server and controller-manager when present on the host. */
export const EXTRA_CA_DIRS = [
  "/etc/pki",
  "/usr/share/ca-certificates",
  "/usr/local/share/ca-certificates",
  "/etc/ca-certificates"
]

/** Inputs that come from the host rather than the cluster. */
export interface HostFacts {
  /** Which of EXTRA_CA_DIRS exist on the host. */
  readonly existingCaDirs: ReadonlyArray<string>
  /** Whether the flexvolume plugin dir exists (mounted unconditionally for <= 1.15). */
  readonly flexvolumeDirExists: boolean
  /** The `*_proxy` variables of the kubeadm process (copied into every container). */
  readonly proxyEnv: ReadonlyArray<{ name: string; value: string }>
}

/** HostFacts for a machine with nothing extra: no CA folders, no flexvolume folder, no proxy. */
export const noHostFacts: HostFacts = { existingCaDirs: [], flexvolumeDirExists: false, proxyEnv: [] }

/** Every `*_proxy` variable (case-insensitive) with a non-empty value, sorted by name. */
export const proxyEnvFrom = (env: Record<string, string | undefined>) =>
  Object.entries(env)
    .filter(([k, v]) => /_proxy$/i.test(k) && v !== undefined && v !== "")
    .map(([name, value]) => ({ name, value: value as string }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

const FLEXVOLUME_DIR = "/usr/libexec/kubernetes/kubelet-plugins/volume/exec"

/** Defaults overlaid by the user's extraArgs, rendered `--k=v` sorted by key. */
export const renderFlags = (defaults: Record<string, string>, extra: Readonly<Record<string, string>>): string[] => {
  const merged: Record<string, string> = { ...defaults, ...extra }
  return Object.keys(merged)
    .sort()
    .map((k) => `--${k}=${merged[k]}`)
}

const image = (cfg: ControlPlaneConfig, component: string): string => {
  const tag = cfg.kubernetesVersion.replace(/\+/g, "_")
  return cfg.useHyperKubeImage
    ? `${cfg.imageRepository}/hyperkube:${tag}`
    : `${cfg.imageRepository}/${component}:${tag}`
}

/** The etcd image for the cluster's version, unless ClusterConfiguration pins a repository or tag. */
export const etcdImage = (cfg: ControlPlaneConfig): string => {
  const local = cfg.etcd.local
  const repo = local?.imageRepository || cfg.imageRepository
  const tag = local?.imageTag || behaviourForVersion(cfg.kubernetesVersion).etcdImageTag
  return `${repo}/etcd:${tag}`
}

/** A volume and its mount in one value, so they cannot go out of step. */
export interface Mount {
  volume: HostPathMount
}

/** A hostPath volume mounted at the same path (or at `mountPath`). */
export const hostPath = (name: string, path: string, pathType: string, readOnly: boolean, mountPath = path): Mount => ({
  volume: { name, hostPath: path, mountPath, readOnly, pathType }
})

/** Default volumes replaced by extraVolumes of the same name; sorted by name. */
const mergeVolumes = (defaults: Mount[], extra: ReadonlyArray<HostPathMount>): HostPathMount[] => {
  const byName = new Map<string, HostPathMount>()
  for (const m of defaults) byName.set(m.volume.name, m.volume)
  for (const v of extra) byName.set(v.name, v)
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

const volumeName = (dir: string) => dir.replace(/\//g, "-").replace(/^-/, "")

const caMounts = (host: HostFacts): Mount[] => [
  hostPath("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate", true),
  ...EXTRA_CA_DIRS.filter((d) => host.existingCaDirs.includes(d)).map((d) =>
    hostPath(volumeName(d), d, "DirectoryOrCreate", true)
  )
]

/** What differs between the control-plane Pods; the rest of the Pod is built the same way for each. */
export interface PodParts {
  component: string
  image: string
  command: string[]
  livenessProbe: Record<string, unknown>
  cpu?: string
  mounts: HostPathMount[]
  annotations?: Record<string, string>
  env: ReadonlyArray<{ name: string; value: string }>
  minor: number
  /** Current kubeadm's probes (behaviour.currentStaticPods): the startup probe's path, the readiness probe's if any. */
  startupPath?: string
  readinessPath?: string
  /** Memory request (etcd's, current kubeadm). */
  memory?: string
}

/** The name current kubeadm gives the probed container port. */
export const PROBE_PORT = "probe-port"

/** system-node-critical's value, which current kubeadm writes beside its name. */
const NODE_CRITICAL_PRIORITY = 2000001000

/**
 * Current kubeadm's probes from the liveness probe's target: liveness every 10 s after 10 s, a
 * startup probe for the 4 min of timeouts.controlPlaneComponentHealthCheck, a readiness probe, all
 * on the named port.
 */
const currentProbes = (p: PodParts): Record<string, unknown> => {
  const get = p.livenessProbe["httpGet"] as { host: string; path: string; port: number; scheme: string } | undefined
  if (get === undefined) return { livenessProbe: p.livenessProbe }
  const at = (path: string) => ({ ...get, path, port: PROBE_PORT })
  return {
    livenessProbe: {
      failureThreshold: 8,
      httpGet: at(get.path),
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 15
    },
    ports: [{ containerPort: get.port, name: PROBE_PORT, protocol: "TCP" }],
    ...(p.readinessPath !== undefined
      ? { readinessProbe: { failureThreshold: 3, httpGet: at(p.readinessPath), periodSeconds: 1, timeoutSeconds: 15 } }
      : {}),
    startupProbe: {
      failureThreshold: 24,
      httpGet: at(p.startupPath ?? get.path),
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 15
    }
  }
}

/** A control-plane static Pod (kube-system, hostNetwork, the kubeadm labels) from its parts. */
export const staticPod = (p: PodParts): Pod => {
  const current = behaviourForMinor(p.minor).currentStaticPods
  const requests = { ...(p.cpu ? { cpu: p.cpu } : {}), ...(p.memory && current ? { memory: p.memory } : {}) }
  const container: Record<string, unknown> = {
    command: p.command,
    image: p.image,
    imagePullPolicy: "IfNotPresent",
    ...(current ? currentProbes(p) : { livenessProbe: p.livenessProbe }),
    name: p.component,
    resources: Object.keys(requests).length > 0 ? { requests } : {},
    volumeMounts: p.mounts.map((m) => ({
      mountPath: m.mountPath,
      name: m.name,
      ...(m.readOnly ? { readOnly: true } : {})
    }))
  }
  if (p.env.length > 0) container.env = p.env.map((e) => ({ name: e.name, value: e.value }))
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(current ? {} : { creationTimestamp: null }),
      labels: { component: p.component, tier: "control-plane" },
      name: p.component,
      namespace: "kube-system"
    },
    spec: {
      containers: [container],
      hostNetwork: true,
      ...(current ? { priority: NODE_CRITICAL_PRIORITY } : {}),
      priorityClassName: behaviourForMinor(p.minor).priorityClassName,
      ...(current ? { securityContext: { seccompProfile: { type: "RuntimeDefault" } } } : {}),
      volumes: p.mounts.map((m) => ({
        hostPath: { path: m.hostPath, ...(m.pathType ? { type: m.pathType } : {}) },
        name: m.name
      }))
    },
    status: {}
  }
}

/** kubeadm's liveness probe: an HTTP(S) GET, 8 failures, 15 s delay and timeout. */
export const probe = (scheme: "HTTP" | "HTTPS", host: string, port: number, path: string) => ({
  failureThreshold: 8,
  httpGet: { host, path, port, scheme },
  initialDelaySeconds: 15,
  timeoutSeconds: 15
})

/** Controller-manager / scheduler probe: the secure port over HTTPS, or the insecure port (kubeadm-behaviour's secureComponentProbes). */
const healthzProbe = (
  secure: boolean,
  extra: Readonly<Record<string, string>>,
  securePort: number,
  insecurePort: number,
  path = "/healthz"
) =>
  secure
    ? probe("HTTPS", extra["address"] ?? "127.0.0.1", securePort, path)
    : probe("HTTP", extra["address"] ?? "127.0.0.1", insecurePort, "/healthz")

const VALID_AUTHZ = ["Node", "RBAC", "Webhook", "ABAC", "AlwaysAllow", "AlwaysDeny"]

/** authorization-mode from extraArgs, filtered to valid modes; default Node,RBAC. */
export const authorizationMode = (extra: Readonly<Record<string, string>>): string => {
  const given = extra["authorization-mode"]
  if (given === undefined) return "Node,RBAC"
  const valid = given
    .split(",")
    .map((s) => s.trim())
    .filter((m) => VALID_AUTHZ.includes(m))
  return valid.length > 0 ? [...new Set(valid)].join(",") : "Node,RBAC"
}

/** The kube-apiserver static Pod for this node. */
export const kubeApiServerPod = (cfg: ControlPlaneConfig, host: HostFacts = noHostFacts): Pod => {
  const behaviour = behaviourForVersion(cfg.kubernetesVersion)
  const pki = cfg.certificatesDir
  const defaults: Record<string, string> = {
    "advertise-address": cfg.advertiseAddress,
    "allow-privileged": "true",
    "client-ca-file": `${pki}/ca.crt`,
    "enable-admission-plugins": "NodeRestriction",
    "enable-bootstrap-token-auth": "true",
    "kubelet-client-certificate": `${pki}/apiserver-kubelet-client.crt`,
    "kubelet-client-key": `${pki}/apiserver-kubelet-client.key`,
    "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
    "proxy-client-cert-file": `${pki}/front-proxy-client.crt`,
    "proxy-client-key-file": `${pki}/front-proxy-client.key`,
    "requestheader-allowed-names": "front-proxy-client",
    "requestheader-client-ca-file": `${pki}/front-proxy-ca.crt`,
    "requestheader-extra-headers-prefix": "X-Remote-Extra-",
    "requestheader-group-headers": "X-Remote-Group",
    "requestheader-username-headers": "X-Remote-User",
    "secure-port": String(cfg.bindPort),
    "service-account-key-file": `${pki}/sa.pub`,
    "service-cluster-ip-range": cfg.networking.serviceSubnet,
    "tls-cert-file": `${pki}/apiserver.crt`,
    "tls-private-key-file": `${pki}/apiserver.key`
  }
  if (!behaviour.apiServer120) defaults["insecure-port"] = "0"
  if (behaviour.apiServer120) {
    defaults["service-account-issuer"] = `https://kubernetes.default.svc.${cfg.networking.dnsDomain}`
    defaults["service-account-signing-key-file"] = `${pki}/sa.key`
  }
  const externalMounts: Mount[] = []
  if (cfg.etcd.external) {
    const ext = cfg.etcd.external
    if (ext.caFile) defaults["etcd-cafile"] = ext.caFile
    if (ext.certFile && ext.keyFile) {
      defaults["etcd-certfile"] = ext.certFile
      defaults["etcd-keyfile"] = ext.keyFile
    }
    defaults["etcd-servers"] = ext.endpoints.join(",")
    const covered = ["/etc/ssl/certs", ...EXTRA_CA_DIRS, pki]
    const dirs = [ext.caFile, ext.certFile, ext.keyFile]
      .filter((f) => f !== "")
      .map((f) => f.slice(0, f.lastIndexOf("/")) || "/")
      .filter((d) => !covered.some((c) => d === c || d.startsWith(c + "/")))
    const unique = [...new Set(dirs)].sort()
    const roots = unique.filter((d) => !unique.some((o) => o !== d && d.startsWith(o + "/")))
    roots.forEach((d, i) => externalMounts.push(hostPath(`etcd-certs-${i}`, d, "DirectoryOrCreate", true)))
  } else {
    defaults["etcd-cafile"] = `${pki}/etcd/ca.crt`
    defaults["etcd-certfile"] = `${pki}/apiserver-etcd-client.crt`
    defaults["etcd-keyfile"] = `${pki}/apiserver-etcd-client.key`
    defaults["etcd-servers"] =
      cfg.etcd.local?.extraArgs["advertise-client-urls"] ??
      `https://${cfg.advertiseAddress.includes(":") ? "[::1]" : "127.0.0.1"}:2379`
  }
  const extra = { ...cfg.apiServer.extraArgs }
  defaults["authorization-mode"] = authorizationMode(extra)
  delete extra["authorization-mode"]
  const mounts = mergeVolumes(
    [hostPath("k8s-certs", pki, "DirectoryOrCreate", true), ...caMounts(host), ...externalMounts],
    cfg.apiServer.extraVolumes
  )
  return staticPod({
    component: "kube-apiserver",
    image: image(cfg, "kube-apiserver"),
    command: ["kube-apiserver", ...renderFlags(defaults, extra)],
    livenessProbe: probe(
      "HTTPS",
      cfg.advertiseAddress || "127.0.0.1",
      cfg.bindPort,
      behaviour.apiServer120 ? "/livez" : "/healthz"
    ),
    startupPath: "/livez",
    readinessPath: "/readyz",
    cpu: "250m",
    mounts,
    ...(behaviour.advertiseAnnotations
      ? { annotations: { [APISERVER_ADVERTISE_ANNOTATION]: `${cfg.advertiseAddress}:${cfg.bindPort}` } }
      : {}),
    env: host.proxyEnv,
    minor: behaviour.minor
  })
}

/** The kube-controller-manager static Pod; with an external CA it does not sign certificates. */
export const kubeControllerManagerPod = (
  cfg: ControlPlaneConfig,
  host: HostFacts = noHostFacts,
  opts: { externalCA: boolean } = { externalCA: false }
): Pod => {
  const behaviour = behaviourForVersion(cfg.kubernetesVersion)
  const pki = cfg.certificatesDir
  const kubeconfig = `${KUBERNETES_DIR}/controller-manager.conf`
  const defaults: Record<string, string> = {
    "authentication-kubeconfig": kubeconfig,
    "authorization-kubeconfig": kubeconfig,
    "bind-address": "127.0.0.1",
    "client-ca-file": `${pki}/ca.crt`,
    "cluster-signing-cert-file": opts.externalCA ? "" : `${pki}/ca.crt`,
    "cluster-signing-key-file": opts.externalCA ? "" : `${pki}/ca.key`,
    controllers: "*,bootstrapsigner,tokencleaner",
    kubeconfig,
    "leader-elect": "true",
    "requestheader-client-ca-file": `${pki}/front-proxy-ca.crt`,
    "root-ca-file": `${pki}/ca.crt`,
    "service-account-private-key-file": `${pki}/sa.key`,
    "use-service-account-credentials": "true"
  }
  if (cfg.networking.podSubnet) {
    defaults["allocate-node-cidrs"] = "true"
    defaults["cluster-cidr"] = cfg.networking.podSubnet
    if (!cfg.networking.podSubnet.includes(":")) defaults["node-cidr-mask-size"] = "24"
    if (behaviour.componentFlags116) defaults["service-cluster-ip-range"] = cfg.networking.serviceSubnet
  }
  if (behaviour.controllerManagerClusterName) defaults["cluster-name"] = cfg.clusterName
  const defaultMounts = [
    hostPath("k8s-certs", pki, "DirectoryOrCreate", true),
    ...caMounts(host),
    hostPath("kubeconfig", kubeconfig, "FileOrCreate", true)
  ]
  if (behaviour.flexvolumeMountAlways || host.flexvolumeDirExists)
    defaultMounts.push(hostPath("flexvolume-dir", FLEXVOLUME_DIR, "DirectoryOrCreate", false))
  return staticPod({
    component: "kube-controller-manager",
    image: image(cfg, "kube-controller-manager"),
    command: ["kube-controller-manager", ...renderFlags(defaults, cfg.controllerManager.extraArgs)],
    livenessProbe: healthzProbe(behaviour.secureComponentProbes, cfg.controllerManager.extraArgs, 10257, 10252),
    cpu: "200m",
    mounts: mergeVolumes(defaultMounts, cfg.controllerManager.extraVolumes),
    env: host.proxyEnv,
    minor: behaviour.minor
  })
}

/** The kube-scheduler static Pod. */
export const kubeSchedulerPod = (cfg: ControlPlaneConfig, host: HostFacts = noHostFacts): Pod => {
  const behaviour = behaviourForVersion(cfg.kubernetesVersion)
  const kubeconfig = `${KUBERNETES_DIR}/scheduler.conf`
  const defaults: Record<string, string> = { "bind-address": "127.0.0.1", kubeconfig, "leader-elect": "true" }
  if (behaviour.componentFlags116) {
    defaults["authentication-kubeconfig"] = kubeconfig
    defaults["authorization-kubeconfig"] = kubeconfig
  }
  return staticPod({
    component: "kube-scheduler",
    image: image(cfg, "kube-scheduler"),
    command: ["kube-scheduler", ...renderFlags(defaults, cfg.scheduler.extraArgs)],
    livenessProbe: healthzProbe(
      behaviour.secureComponentProbes,
      cfg.scheduler.extraArgs,
      10259,
      10251,
      behaviour.currentStaticPods ? "/livez" : "/healthz"
    ),
    startupPath: behaviour.currentStaticPods ? "/livez" : "/healthz",
    readinessPath: "/readyz",
    cpu: "100m",
    mounts: mergeVolumes([hostPath("kubeconfig", kubeconfig, "FileOrCreate", true)], cfg.scheduler.extraVolumes),
    env: host.proxyEnv,
    minor: behaviour.minor
  })
}

/** YAML as kubeadm writes it: keys sorted, YAML 1.1 quoting for Go readers. */
export const podYaml = (pod: Pod): string =>
  // a patch can put one object in two places: written twice, never as an alias sorted before its anchor
  stringify(pod, { version: "1.1", sortMapEntries: true, aliasDuplicateObjects: false })

/** The three control-plane component Pods, keyed by component name. */
export const controlPlanePods = (
  cfg: ControlPlaneConfig,
  host: HostFacts = noHostFacts,
  opts = { externalCA: false }
) => ({
  "kube-apiserver": kubeApiServerPod(cfg, host),
  "kube-controller-manager": kubeControllerManagerPod(cfg, host, opts),
  "kube-scheduler": kubeSchedulerPod(cfg, host)
})
