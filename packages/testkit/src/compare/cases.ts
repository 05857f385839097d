/**
 * The success cases: the same join, with the same inputs, by the real kubeadm on one new node
 * and by kubeadm-ts on another, one after the other on one cluster (so the ConfigMaps and
 * Secrets each one changed are its own); then their files, cluster objects and output compared,
 * and each one's wall time kept.
 */
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import type { RealClusterService } from "../real/real-cluster.js"
import { runStaticPods, type StaticPods } from "../real/static-pods.js"
import { explain } from "./explanations.js"
import { compareFiles, snapshot } from "./files.js"
import type { Area, Difference, Item, Timing } from "./items.js"
import { makeMachine, type JoinMachine, type Tool, type ToolRun } from "./machine.js"
import type { Side } from "./normalise.js"
import { compareEtcd, compareNodes, compareTouched, objectVersions, removeMembers, touched } from "./objects.js"
import { compareOutput, printed } from "./output.js"

/** What every join of the comparison is given besides its case's flags: the checks this test machine cannot pass. */
export const MACHINE_FLAGS = ["--ignore-preflight-errors=SystemVerification,ImagePull"] as const

/** What a case's commands may use of the machine they run on. */
export interface CaseMachine {
  readonly nodeName: string
  readonly address: string
}

/** One success case. */
export interface SuccessCase {
  readonly name: string
  readonly controlPlane: boolean
  /** The commands run in turn on one machine (one join, or one phase after another). */
  readonly commands: (cluster: RealClusterService, m: CaseMachine) => ReadonlyArray<ReadonlyArray<string>>
  /** Files put into the machine's root first (path inside the root -> text). */
  readonly files?: (cluster: RealClusterService, m: CaseMachine) => Promise<Readonly<Record<string, string>>>
}

const CONTROL_PLANE_PODS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]

interface Ran {
  readonly machine: JoinMachine
  readonly side: Side
  readonly runs: ReadonlyArray<ToolRun>
  readonly touched: ReadonlyArray<string>
  readonly wallMs: number
}

const runOn = async (
  cluster: RealClusterService,
  c: SuccessCase,
  tool: Tool,
  pods: Array<StaticPods>
): Promise<Ran> => {
  const nodeName = `${tool === "kubeadm" ? "kubeadm" : "kts"}-${c.name}`
  // the node's address is known once it is added: files and commands are made after
  const machine = await makeMachine(cluster, tool, nodeName, {
    files: (node) => c.files?.(cluster, { nodeName, address: node.network.address }) ?? Promise.resolve({})
  })
  const side = { nodeName, address: machine.node.network.address }
  if (c.controlPlane) pods.push(runStaticPods(machine.node, cluster.components, CONTROL_PLANE_PODS))
  const before = await objectVersions(cluster)
  const runs: Array<ToolRun> = []
  for (const command of c.commands(cluster, side)) {
    // (a phase takes its input from the case's --config, which ignores the same checks)
    const r = await machine.run(command[1] === "phase" ? command : [...command, ...MACHINE_FLAGS])
    runs.push(r)
    if (r.code !== 0) break
  }
  return {
    machine,
    side,
    runs,
    touched: touched(before, await objectVersions(cluster)),
    wallMs: runs.reduce((s, r) => s + r.wallMs, 0)
  }
}

/** Turns compared pairs into items, matching each difference against the README's explained ids. */
export const toItems = (
  caseName: string,
  area: Area,
  compared: ReadonlyArray<Difference & { readonly identical: boolean }>,
  ids: ReadonlySet<string>
): Array<Item> =>
  compared.map((d) => {
    if (d.identical) return { case: caseName, area, name: d.name, status: "identical", difference: "" }
    const id = explain(area, d, ids, caseName)
    return {
      case: caseName,
      area,
      name: d.name,
      status: id === undefined ? "unexplained" : "explained",
      difference: d.difference,
      ...(id === undefined ? {} : { explainedBy: id })
    }
  })

/** Runs one case on both tools and compares what they did. */
export const runCase = async (
  cluster: RealClusterService,
  c: SuccessCase,
  ids: ReadonlySet<string>
): Promise<{ items: Array<Item>; timing: Timing; log: string }> => {
  const pods: Array<StaticPods> = []
  const ran: Array<Ran> = []
  try {
    ran.push(await runOn(cluster, c, "kubeadm", pods))
    ran.push(await runOn(cluster, c, "kubeadm-ts", pods))
    const [a, b] = ran as [Ran, Ran]
    const sides = { kubeadm: a.side, kubeadmTs: b.side }
    const items: Array<Item> = []
    const exits = a.runs.map((r, i) => ({
      name: `exit code of command ${i + 1}`,
      identical: r.code === b.runs[i]?.code,
      difference: `kubeadm ${r.code} vs kubeadm-ts ${b.runs[i]?.code ?? "(not run)"}`
    }))
    items.push(...toItems(c.name, "output", exits, ids))
    for (let i = 0; i < Math.max(a.runs.length, b.runs.length); i++) {
      const ra = a.runs[i]
      const rb = b.runs[i]
      if (!ra || !rb) continue
      items.push(
        ...toItems(
          c.name,
          "output",
          compareOutput(printed(ra.stdout, ra.stderr, a.side), printed(rb.stdout, rb.stderr, b.side)),
          ids
        )
      )
    }
    items.push(
      ...toItems(c.name, "files", compareFiles(snapshot(a.machine.root), snapshot(b.machine.root), sides), ids)
    )
    const joined = [a, b].every((r) => r.runs.every((x) => x.code === 0))
    const objects = joined ? await compareNodes(cluster, sides) : []
    objects.push(compareTouched(a.touched, b.touched))
    if (c.controlPlane && joined) objects.push(await compareEtcd(cluster, sides))
    items.push(...toItems(c.name, "objects", objects, ids))
    const log = ran
      .map((r) =>
        r.runs.map((x) => `--- ${r.machine.tool} (exit ${x.code}, ${x.wallMs} ms)\n${x.stdout}${x.stderr}`).join("\n")
      )
      .join("\n")
    return { items, timing: { case: c.name, kubeadmMs: a.wallMs, kubeadmTsMs: b.wallMs }, log }
  } finally {
    // members first, while their etcds still run: stopping two of three etcds first would cost the quorum
    if (c.controlPlane)
      await removeMembers(
        cluster,
        ran.map((r) => r.side.address)
      ).catch(() => undefined)
    for (const p of pods) await p.stop()
    // KUBEADM_TS_COMPARE_KEEP=<dir>: a copy of each machine's root, to read a difference in full
    const keep = process.env["KUBEADM_TS_COMPARE_KEEP"]
    for (const r of ran) {
      if (keep !== undefined)
        spawnSync("cp", ["-a", "--no-preserve=links", r.machine.root, join(keep, `${c.name}-${r.machine.tool}`)])
      await r.machine.stop()
    }
  }
}

/** The worker's flags for token discovery on this cluster. */
const tokenJoin = (cluster: RealClusterService, m: CaseMachine) => [
  ...cluster.joinCommands.worker,
  "--node-name",
  m.nodeName
]

/** The control-plane flags of a machine. */
const controlPlaneFlags = (cluster: RealClusterService, m: CaseMachine) => [
  "--control-plane",
  "--certificate-key",
  cluster.certificateKey,
  "--apiserver-advertise-address",
  m.address
]

/** A v1beta4 JoinConfiguration for the phase cases (every phase takes --config; not every one takes the flags). */
export const joinConfiguration = (cluster: RealClusterService, m: CaseMachine, controlPlane: boolean): string =>
  [
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: JoinConfiguration",
    "discovery:",
    "  bootstrapToken:",
    `    apiServerEndpoint: "${cluster.endpoint}"`,
    `    token: ${cluster.token}`,
    `    caCertHashes: ["${cluster.caCertHash}"]`,
    "nodeRegistration:",
    `  name: ${m.nodeName}`,
    "  ignorePreflightErrors: [SystemVerification, ImagePull]",
    ...(controlPlane
      ? [
          "controlPlane:",
          "  localAPIEndpoint:",
          `    advertiseAddress: ${m.address}`,
          "    bindPort: 6443",
          `  certificateKey: "${cluster.certificateKey}"`
        ]
      : []),
    ""
  ].join("\n")

const clusterInfo = async (cluster: RealClusterService) =>
  (await cluster.kubectl(["-n", "kube-public", "get", "cm", "cluster-info", "-o", "jsonpath={.data.kubeconfig}"]))
    .stdout

/** The worker phases of `join phase`, each after the ones it needs. */
export const WORKER_PHASES = ["preflight", "kubelet-start", "kubelet-wait-bootstrap"] as const
/** The control-plane phases of `join phase`, each after the ones it needs (current kubeadm's order). */
export const CONTROL_PLANE_PHASES = [
  "preflight",
  "control-plane-prepare download-certs",
  "control-plane-prepare certs",
  "control-plane-prepare kubeconfig",
  "control-plane-prepare control-plane",
  "kubelet-start",
  "etcd-join",
  "kubelet-wait-bootstrap",
  "control-plane-join mark-control-plane",
  "wait-control-plane"
] as const

/** Every success case, by name. */
export const SUCCESS_CASES: ReadonlyArray<SuccessCase> = [
  { name: "worker-token", controlPlane: false, commands: (cluster, m) => [tokenJoin(cluster, m)] },
  {
    name: "worker-file",
    controlPlane: false,
    files: async (cluster) => ({ "srv/discovery.conf": await clusterInfo(cluster) }),
    commands: (cluster, m) => [
      ["join", "--discovery-file", "/srv/discovery.conf", "--token", cluster.token, "--node-name", m.nodeName]
    ]
  },
  {
    name: "worker-config",
    controlPlane: false,
    files: (cluster, m) =>
      Promise.resolve({
        "srv/join.yaml": [
          "apiVersion: kubeadm.k8s.io/v1beta4",
          "kind: JoinConfiguration",
          "discovery:",
          "  bootstrapToken:",
          `    apiServerEndpoint: "${cluster.endpoint}"`,
          `    token: ${cluster.token}`,
          `    caCertHashes: ["${cluster.caCertHash}"]`,
          "nodeRegistration:",
          `  name: ${m.nodeName}`,
          "  kubeletExtraArgs:",
          "  - {name: node-labels, value: config-version=v1beta4}",
          "  ignorePreflightErrors: [SystemVerification, ImagePull]",
          "timeouts:",
          "  discovery: 2m0s",
          "  tlsBootstrap: 3m0s",
          ""
        ].join("\n")
      }),
    commands: () => [["join", "--config", "/srv/join.yaml"]]
  },
  {
    name: "worker-phases",
    controlPlane: false,
    files: (cluster, m) => Promise.resolve({ "srv/join.yaml": joinConfiguration(cluster, m, false) }),
    commands: () => WORKER_PHASES.map((p) => ["join", "phase", ...p.split(" "), "--config", "/srv/join.yaml"])
  },
  {
    name: "control-plane",
    controlPlane: true,
    commands: (cluster, m) => [[...tokenJoin(cluster, m), ...controlPlaneFlags(cluster, m)]]
  },
  {
    name: "control-plane-phases",
    controlPlane: true,
    files: (cluster, m) => Promise.resolve({ "srv/join.yaml": joinConfiguration(cluster, m, true) }),
    commands: () => CONTROL_PLANE_PHASES.map((p) => ["join", "phase", ...p.split(" "), "--config", "/srv/join.yaml"])
  }
]
