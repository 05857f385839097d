/**
 * The join phases as the command line knows them (names, help lines, hidden
 * ones). Kept as plain data so `--help` does not load the phase implementations;
 * a test checks it against the real tree in @kubeadm-ts/join/join-workflow.
 */
export interface PhaseInfo {
  readonly name: string
  readonly description: string
  readonly hidden?: boolean
  readonly children?: ReadonlyArray<PhaseInfo>
  /** The flags `join phase <this>` accepts besides --rootfs and -v (spec join-node §1.9). */
  readonly flags?: ReadonlyArray<string>
  /** Whether it takes the `[api-server-endpoint]` argument. */
  readonly endpoint?: boolean
}

const discovery = ["discovery-file", "discovery-token", "discovery-token-ca-cert-hash", "discovery-token-unsafe-skip-ca-verification", "tls-bootstrap-token", "token"]
const controlPlane = ["config", "control-plane", "experimental-control-plane"]
const address = ["apiserver-advertise-address"]
const port = ["apiserver-bind-port"]

export const joinPhases: ReadonlyArray<PhaseInfo> = [
  { name: "preflight", description: "Run join pre-flight checks", endpoint: true, flags: [...controlPlane, ...address, ...port, ...discovery, "ignore-preflight-errors", "cri-socket", "node-name", "certificate-key"] },
  {
    name: "control-plane-prepare",
    description: "Prepare the machine for serving a control plane",
    children: [
      { name: "all", description: "Prepare the machine for serving a control plane", hidden: true, endpoint: true, flags: [...controlPlane, ...address, ...port, ...discovery, "node-name", "certificate-key"] },
      { name: "download-certs", description: "[EXPERIMENTAL] Download certificates shared among control-plane nodes from the kubeadm-certs Secret", endpoint: true, flags: [...controlPlane, ...discovery, "certificate-key"] },
      { name: "certs", description: "Generate the certificates for the new control plane components", endpoint: true, flags: [...controlPlane, ...address, ...discovery, "node-name"] },
      { name: "kubeconfig", description: "Generate the kubeconfig for the new control plane components", endpoint: true, flags: [...controlPlane, ...discovery, "certificate-key"] },
      { name: "control-plane", description: "Generate the manifests for the new control plane components", flags: [...controlPlane, ...address, ...port] }
    ]
  },
  { name: "check-etcd", description: "Check that the local etcd cluster is healthy", hidden: true, endpoint: true, flags: [...controlPlane, ...discovery] },
  { name: "kubelet-start", description: "Write kubelet settings, certificates and (re)start the kubelet", endpoint: true, flags: ["config", ...discovery, "cri-socket", "node-name", "self-tls-bootstrap"] },
  { name: "etcd-join", description: "Join etcd for control plane nodes (clusters 1.33+; 1.31-1.32 with ControlPlaneKubeletLocalMode)", flags: [...controlPlane, ...address, "node-name", "etcd-learner"] },
  { name: "kubelet-wait-bootstrap", description: "Wait for the kubelet to bootstrap itself (clusters 1.33+; 1.31-1.32 with ControlPlaneKubeletLocalMode)", endpoint: true, flags: ["config", ...discovery, "cri-socket", "node-name", "self-tls-bootstrap"] },
  {
    name: "control-plane-join",
    description: "Join a machine as a control plane instance",
    children: [
      { name: "all", description: "Join a machine as a control plane instance", hidden: true, flags: [...controlPlane, ...address, "node-name", "etcd-learner"] },
      { name: "etcd", description: "Add a new local etcd member (clusters up to 1.32; 1.33-1.34 without ControlPlaneKubeletLocalMode)", flags: [...controlPlane, ...address, "node-name", "etcd-learner"] },
      { name: "update-status", description: "Register the new control-plane node into the ClusterStatus maintained in the kubeadm-config ConfigMap (clusters up to 1.30)", flags: [...controlPlane, ...address, "node-name"] },
      { name: "mark-control-plane", description: "Mark a node as a control-plane", flags: [...controlPlane, "node-name"] }
    ]
  },
  { name: "wait-control-plane", description: "Wait for the control plane to start (clusters 1.34+; 1.30-1.33 with WaitForAllControlPlaneComponents)", flags: [...controlPlane, ...address, ...port, "node-name"] }
]

/** Every full name (`parent/child`), hidden ones included, in run order. */
export const phaseFullNames = (): ReadonlyArray<string> =>
  joinPhases.flatMap((p) => [p.name, ...(p.children ?? []).map((c) => `${p.name}/${c.name}`)])

/** The help table, like cobra's: visible phases, children as `  /child`, one description column. */
export const phaseTable = (): string => {
  const rows: Array<[string, string]> = []
  for (const p of joinPhases) {
    if (p.hidden === true) continue
    rows.push([p.name, p.description])
    for (const c of p.children ?? []) if (c.hidden !== true) rows.push([`  /${c.name}`, c.description])
  }
  const width = Math.max(...joinPhases.flatMap((p) => [p.name.length, ...(p.children ?? []).map((c) => c.name.length + 1)]))
  return rows
    .map(([name, description]) => {
      const indent = name.startsWith("  ") ? "  " : ""
      return `${indent}${name.trimStart().padEnd(width)}  ${description}`
    })
    .join("\n")
}
