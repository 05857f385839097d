/**
 * A process "on a node": in the node's network namespace and in a mount
 * namespace of its own where the node's folders are bind-mounted over the
 * standard paths (`<root>/etc/kubernetes` over `/etc/kubernetes`, ...). The
 * real components then run with the exact command lines kubeadm wrote for
 * them, reading and writing the node's files, never the host's.
 * `nsenter --net` rather than `ip netns exec`: the latter remounts /sys, which
 * hides the cgroup hierarchies the kubelet needs.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { NetworkNode } from "./network.js"

/** The folders a node keeps under its root, bind-mounted over the same absolute paths. */
export const NODE_FOLDERS = ["/etc/kubernetes", "/var/lib/kubelet", "/var/lib/etcd", "/run/containerd"] as const

/** A node of a real cluster: its network place and the root folder its files live under. */
export interface NodeHost {
  readonly network: NetworkNode
  /** The node's root folder: the `--rootfs` of a join, the `--rootfs` kubeadm init wrote into. */
  readonly root: string
}

/** A word for sh, quoted. */
export const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`

/**
 * The shell commands that make a fresh mount namespace look like the node: its folders bound
 * over the standard paths, and its resolv.conf, whose loopback nameserver refuses at once
 * (the host's resolver is out of reach from the node's network, and waiting for it costs the
 * kubelet tens of seconds before it registers).
 */
export const nodeMounts = (node: NodeHost): string => {
  const resolvConf = join(node.root, "etc/resolv.conf")
  mkdirSync(join(node.root, "etc"), { recursive: true })
  if (!existsSync(resolvConf)) writeFileSync(resolvConf, "nameserver 127.0.0.1\n")
  const binds = NODE_FOLDERS.map((folder) => {
    // the mount points exist on the host, the sources under the node's root
    mkdirSync(folder, { recursive: true })
    mkdirSync(join(node.root, folder), { recursive: true })
    return `mount --bind ${quote(join(node.root, folder))} ${folder}`
  })
  return [...binds, `mount --bind ${quote(resolvConf)} /etc/resolv.conf`].join(" && ")
}

/** argv that runs `command args` on the node (for spawn or execFile). */
export const onNode = (node: NodeHost, command: string, args: ReadonlyArray<string>): [string, Array<string>] => [
  "nsenter",
  [
    `--net=/run/netns/${node.network.netns}`,
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    `${nodeMounts(node)} && exec "$@"`,
    "sh",
    command,
    ...args
  ]
]

/** A process started on a node, with the tail of its output kept for failure messages. */
export interface NodeProcess {
  readonly name: string
  readonly child: ChildProcess
  /** The last lines the process wrote (stdout and stderr). */
  readonly logTail: (lines?: number) => string
  readonly exited: () => boolean
  readonly stop: () => Promise<void>
}

const TAIL_BYTES = 64 * 1024

/** Starts `command args` on the node; its output is kept (the tail) for error messages. */
export const startOnNode = (
  node: NodeHost,
  name: string,
  command: string,
  args: ReadonlyArray<string>
): NodeProcess => {
  const [file, argv] = onNode(node, command, args)
  const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] })
  let log = ""
  const keep = (c: Buffer) => {
    log += c.toString()
    if (log.length > 2 * TAIL_BYTES) log = log.slice(-TAIL_BYTES)
  }
  child.stdout.on("data", keep)
  child.stderr.on("data", keep)
  child.on("error", (e) => keep(Buffer.from(`spawn failed: ${e.message}\n`)))
  const exited = () => child.exitCode !== null || child.signalCode !== null
  return {
    name,
    child,
    logTail: (lines = 30) =>
      log
        .split("\n")
        .slice(-lines - 1)
        .join("\n"),
    exited,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited()) return resolve()
        const kill = setTimeout(() => child.kill("SIGKILL"), 10_000)
        child.once("exit", () => {
          clearTimeout(kill)
          resolve()
        })
        child.kill("SIGTERM")
      })
  }
}
