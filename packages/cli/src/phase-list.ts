/**
 * The join phases as the command line knows them: names, help lines and hidden ones come from
 * `joinWorkflow` itself; the CLI adds which flags each `join phase <name>` accepts. The bundle
 * (build.mjs) replaces the workflow here by its shape, computed at build time, so `--help`
 * does not load the phase implementations.
 */
import { joinWorkflow } from "@kubeadm-ts/join"

/** A phase as the CLI shows and parses it. */
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

/** What the workflow's phases hold that the CLI reads (the bundle's build-time shape has only this). */
interface PhaseShape {
  readonly name: string
  readonly description: string
  readonly hidden?: boolean
  readonly children: ReadonlyArray<PhaseShape>
}

const discovery = [
  "discovery-file",
  "discovery-token",
  "discovery-token-ca-cert-hash",
  "discovery-token-unsafe-skip-ca-verification",
  "tls-bootstrap-token",
  "token"
]
const controlPlane = ["config", "control-plane", "experimental-control-plane"]
const address = ["apiserver-advertise-address"]
const port = ["apiserver-bind-port"]

/** The command line of each phase that runs on its own, by full name. */
export const phaseFlags: Readonly<
  Record<string, { readonly flags: ReadonlyArray<string>; readonly endpoint?: boolean }>
> = {
  preflight: {
    endpoint: true,
    flags: [
      ...controlPlane,
      ...address,
      ...port,
      ...discovery,
      "ignore-preflight-errors",
      "cri-socket",
      "node-name",
      "certificate-key",
      "dry-run"
    ]
  },
  "control-plane-prepare/all": {
    endpoint: true,
    flags: [...controlPlane, ...address, ...port, ...discovery, "node-name", "certificate-key", "patches", "dry-run"]
  },
  "control-plane-prepare/download-certs": {
    endpoint: true,
    flags: [...controlPlane, ...discovery, "certificate-key", "dry-run"]
  },
  "control-plane-prepare/certs": {
    endpoint: true,
    flags: [...controlPlane, ...address, ...discovery, "node-name", "dry-run"]
  },
  "control-plane-prepare/kubeconfig": {
    endpoint: true,
    flags: [...controlPlane, ...discovery, "certificate-key", "dry-run"]
  },
  "control-plane-prepare/control-plane": { flags: [...controlPlane, ...address, ...port, "patches", "dry-run"] },
  "check-etcd": { endpoint: true, flags: [...controlPlane, ...discovery] },
  "kubelet-start": {
    endpoint: true,
    flags: ["config", ...discovery, "cri-socket", "node-name", "self-tls-bootstrap", "patches", "dry-run"]
  },
  "etcd-join": { flags: [...controlPlane, ...address, "node-name", "etcd-learner", "patches", "dry-run"] },
  "kubelet-wait-bootstrap": {
    endpoint: true,
    flags: ["config", ...discovery, "cri-socket", "node-name", "self-tls-bootstrap", "dry-run"]
  },
  "control-plane-join/all": { flags: [...controlPlane, ...address, "node-name", "etcd-learner", "patches", "dry-run"] },
  "control-plane-join/etcd": {
    flags: [...controlPlane, ...address, "node-name", "etcd-learner", "patches", "dry-run"]
  },
  "control-plane-join/update-status": { flags: [...controlPlane, ...address, "node-name"] },
  "control-plane-join/mark-control-plane": { flags: [...controlPlane, "node-name", "dry-run"] },
  "wait-control-plane": { flags: [...controlPlane, ...address, ...port, "node-name"] }
}

const toInfo = (phase: PhaseShape, parent?: string): PhaseInfo => {
  const fullName = parent === undefined ? phase.name : `${parent}/${phase.name}`
  const command = phaseFlags[fullName]
  return {
    name: phase.name,
    description: phase.description,
    ...(phase.hidden === true ? { hidden: true } : {}),
    ...(phase.children.length > 0 ? { children: phase.children.map((c) => toInfo(c, fullName)) } : {}),
    ...(command?.endpoint === true ? { endpoint: true } : {}),
    ...(command !== undefined ? { flags: command.flags } : {})
  }
}

/** The phases of `joinWorkflow`, in run order. */
export const joinPhases: ReadonlyArray<PhaseInfo> = joinWorkflow.phases.map((p) => toInfo(p))

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
  const width = Math.max(
    ...joinPhases.flatMap((p) => [p.name.length, ...(p.children ?? []).map((c) => c.name.length + 1)])
  )
  return rows
    .map(([name, description]) => {
      const indent = name.startsWith("  ") ? "  " : ""
      return `${indent}${name.trimStart().padEnd(width)}  ${description}`
    })
    .join("\n")
}
