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
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { NetworkNode } from "./network.js"

/** The folders a node keeps under its root, bind-mounted over the same absolute paths. */
export const NODE_FOLDERS = ["/etc/kubernetes", "/var/lib/kubelet", "/var/lib/etcd", "/run/containerd"] as const

export interface NodeHost {
  readonly network: NetworkNode
  /** The node's root folder: the `--rootfs` of a join, the `--rootfs` kubeadm init wrote into. */
  readonly root: string
}

/** argv that runs `command args` on the node (for spawn or execFile). */
export const onNode = (node: NodeHost, command: string, args: ReadonlyArray<string>): [string, Array<string>] => {
  const binds: Array<string> = []
  for (const folder of NODE_FOLDERS) {
    // the mount points exist on the host, the sources under the node's root
    mkdirSync(folder, { recursive: true })
    mkdirSync(join(node.root, folder), { recursive: true })
    binds.push(`mount --bind '${join(node.root, folder)}' '${folder}'`)
  }
  const script = `${binds.join(" && ")} && exec "$@"`
  return ["nsenter", [`--net=/run/netns/${node.network.netns}`, "unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", command, ...args]]
}

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
export const startOnNode = (node: NodeHost, name: string, command: string, args: ReadonlyArray<string>): NodeProcess => {
  const [file, argv] = onNode(node, command, args)
  const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] })
  let log = ""
  const keep = (c: Buffer) => {
    log += c.toString()
    if (log.length > 2 * TAIL_BYTES) log = log.slice(-TAIL_BYTES)
  }
  child.stdout?.on("data", keep)
  child.stderr?.on("data", keep)
  child.on("error", (e) => keep(Buffer.from(`spawn failed: ${e.message}\n`)))
  const exited = () => child.exitCode !== null || child.signalCode !== null
  return {
    name,
    child,
    logTail: (lines = 30) => log.split("\n").slice(-lines - 1).join("\n"),
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
