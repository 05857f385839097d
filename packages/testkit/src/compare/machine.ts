/**
 * A joining machine for the side-by-side comparison: a node of the real cluster's test network
 * with its own root folder (the fake machine files preflight reads, the real kubelet binary),
 * containerd and the kubelet unit behind the systemctl shim. The same machine runs either tool:
 *
 * - the real kubeadm with `--rootfs <root>`: kubeadm chroot()s into the root, so the process runs
 *   in a mount namespace of its own where the root's `bin`, `lib` and `lib64` are the host's
 *   (the shim is a bash script) and `.host` is the host's `/`, through which the shim leaves the
 *   chroot to drive the unit with its host paths (see kubelet-unit.ts);
 * - the built kubeadm-ts with `--rootfs <root>`, which runs the shim from the host directly.
 *
 * Both get the same environment (PATH), the same network namespace and the same timeout.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { rm } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { startContainerd, type Containerd } from "../node/containerd.js"
import { makeWorkerMachine } from "../node/worker-machine.js"
import { installKubeletUnit, type KubeletUnit } from "../real/kubelet-unit.js"
import { type NodeHost, nodeMounts, quote } from "../real/node-process.js"
import type { RealClusterService } from "../real/real-cluster.js"

/** Which implementation runs a join. */
export type Tool = "kubeadm" | "kubeadm-ts"

/** One finished run: exit code, output and wall time from spawn to exit. */
export interface ToolRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly wallMs: number
  readonly timedOut: boolean
}

/** A prepared node that runs one tool's commands with `--rootfs` set to its root. */
export interface JoinMachine {
  readonly tool: Tool
  readonly node: NodeHost
  readonly root: string
  readonly kubelet: KubeletUnit
  readonly run: (args: ReadonlyArray<string>, options?: { readonly timeoutMs?: number }) => Promise<ToolRun>
  readonly stop: () => Promise<void>
}

/** The built kubeadm-ts bundle of this checkout (KUBEADM_TS_CLI names another one). */
export const builtCli = (): string => {
  const named = process.env["KUBEADM_TS_CLI"]
  if (named !== undefined) return named
  // found upwards from this module, as source (src/compare) or as built JS (dist/src/compare)
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const cli = join(dir, "packages/cli/dist/kubeadm-ts.mjs")
    if (existsSync(cli)) return cli
  }
  throw new Error("the built kubeadm-ts (packages/cli/dist/kubeadm-ts.mjs) is missing: run npm run build")
}

/** The PATH both tools get: a distro's default; inside kubeadm's chroot it names the root's folders. */
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/** Executables current kubeadm's preflight looks for that the testkit's worker machine lacks. */
const EXTRA_EXECUTABLES = ["losetup", "cp"]

/** The mount points a chroot needs on the machine (empty on disk; filled only in kubeadm's mount namespace). */
const CHROOT_MOUNTS: ReadonlyArray<readonly [inRoot: string, host: string]> = [
  ["bin", "/usr/bin"],
  ["lib", "/usr/lib"],
  ["lib64", "/usr/lib64"],
  // (Go's os/exec opens /dev/null for a child's stdin: without /dev, kubeadm can run nothing)
  ["dev", "/dev"]
]

const spawnTimed = (file: string, argv: ReadonlyArray<string>, timeoutMs: number): Promise<ToolRun> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(file, [...argv], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH, HOME: "/root", LANG: "C" }
    })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, timeoutMs)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout,
        stderr,
        wallMs: Math.round(performance.now() - started),
        timedOut
      })
    })
  })

/** Options of a machine: the files to put in its root before the join (path inside the root -> text). */
export interface MachineOptions {
  readonly files?: (node: NodeHost) => Promise<Readonly<Record<string, string>>>
}

/** A fresh node of the cluster prepared for `tool`; `stop` stops its kubelet and containerd and removes its root. */
export const makeMachine = async (
  cluster: RealClusterService,
  tool: Tool,
  name: string,
  options: MachineOptions = {}
): Promise<JoinMachine> => {
  const node = cluster.addNode(name)
  await makeWorkerMachine({
    dir: node.root,
    files: (await options.files?.(node)) ?? {},
    kubeletBinary: cluster.components.bin("kubelet")
  })
  for (const dir of [".host", ...CHROOT_MOUNTS.map(([d]) => d)]) mkdirSync(join(node.root, dir), { recursive: true })
  // kubeadm 1.37's own executable checks (losetup, cp) beside the 1.15 list the worker machine has
  for (const exe of EXTRA_EXECUTABLES)
    writeFileSync(join(node.root, "usr/bin", exe), "#!/bin/sh\nexit 0\n", { mode: 0o755 })
  // nodeMounts writes the node's resolv.conf (a loopback nameserver that refuses at once)
  nodeMounts(node)
  let containerd: Containerd | undefined = await startContainerd(node.root)
  const kubelet = installKubeletUnit(node, cluster.components)
  const netns = `--net=/run/netns/${node.network.netns}`
  const run = (args: ReadonlyArray<string>, o: { readonly timeoutMs?: number } = {}) => {
    const timeoutMs = o.timeoutMs ?? 240_000
    if (tool === "kubeadm-ts")
      // the machine's resolver configuration, as kubeadm's chroot has it (node:dns reads /etc/resolv.conf)
      return spawnTimed(
        "nsenter",
        [
          netns,
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          `mount --bind ${quote(join(node.root, "etc/resolv.conf"))} /etc/resolv.conf && exec "$@"`,
          "sh",
          process.execPath,
          builtCli(),
          ...args,
          "--rootfs",
          node.root
        ],
        timeoutMs
      )
    const mounts = [
      `mount --rbind / ${quote(`${node.root}/.host`)}`,
      ...CHROOT_MOUNTS.map(([d, host]) => `mount --bind ${host} ${quote(`${node.root}/${d}`)}`)
    ].join(" && ")
    return spawnTimed(
      "nsenter",
      [
        netns,
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        `${mounts} && exec "$@"`,
        "sh",
        cluster.components.bin("kubeadm"),
        ...args,
        "--rootfs",
        node.root
      ],
      timeoutMs
    )
  }
  return {
    tool,
    node,
    root: node.root,
    kubelet,
    run,
    stop: async () => {
      kubelet.stop()
      await containerd?.stop()
      containerd = undefined
      await rm(node.root, { recursive: true, force: true })
    }
  }
}
