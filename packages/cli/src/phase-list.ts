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
}

export const joinPhases: ReadonlyArray<PhaseInfo> = [
  { name: "preflight", description: "Run join pre-flight checks" },
  {
    name: "control-plane-prepare",
    description: "Prepare the machine for serving a control plane",
    children: [
      { name: "all", description: "Prepare the machine for serving a control plane", hidden: true },
      { name: "download-certs", description: "[EXPERIMENTAL] Download certificates shared among control-plane nodes from the kubeadm-certs Secret" },
      { name: "certs", description: "Generate the certificates for the new control plane components" },
      { name: "kubeconfig", description: "Generate the kubeconfig for the new control plane components" },
      { name: "control-plane", description: "Generate the manifests for the new control plane components" }
    ]
  },
  { name: "check-etcd", description: "Check that the local etcd cluster is healthy", hidden: true },
  { name: "kubelet-start", description: "Write kubelet settings, certificates and (re)start the kubelet" },
  {
    name: "control-plane-join",
    description: "Join a machine as a control plane instance",
    children: [
      { name: "all", description: "Join a machine as a control plane instance", hidden: true },
      { name: "etcd", description: "Add a new local etcd member" },
      { name: "update-status", description: "Register the new control-plane node into the ClusterStatus maintained in the kubeadm-config ConfigMap" },
      { name: "mark-control-plane", description: "Mark a node as a control-plane" }
    ]
  }
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
