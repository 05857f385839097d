/**
 * The FakeKubelet's etcd: runs the etcd static Pod found in
 * `<rootfs>/etc/kubernetes/manifests/etcd.yaml` with the real etcd binary and
 * the manifest's own command line. Host paths of the Pod's hostPath volumes
 * are mapped into the rootfs; `127.0.0.1` / `localhost` become the node's own
 * loopback address (every simulated node has its own "localhost").
 */
import { existsSync } from "node:fs"
import { mkdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { parse } from "yaml"
import { spawnEtcd, stopChild } from "./real-etcd.js"

/** Where a control-plane join writes the etcd static Pod, relative to the node's rootfs. */
export const ETCD_MANIFEST = "etc/kubernetes/manifests/etcd.yaml"

/** The parts of an etcd static Pod manifest the runner reads. */
export interface PodLike {
  spec?: {
    containers?: Array<{
      command?: string[]
      args?: string[]
      volumeMounts?: Array<{ name: string; mountPath: string }>
    }>
    volumes?: Array<{ name: string; hostPath?: { path: string; type?: string } }>
  }
}

/** The command line of the Pod's etcd container, rewritten for a node living in `rootfs` at `nodeAddress`. */
export const etcdCommandFromPod = (pod: PodLike, rootfs: string, nodeAddress: string) => {
  const container = pod.spec?.containers?.[0]
  if (!container?.command || container.command[0] !== "etcd")
    throw new Error("the etcd manifest has no etcd container command")
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v.hostPath]))
  // mountPath (inside the Pod) -> path in the rootfs
  const mounts = (container.volumeMounts ?? [])
    .map((m) => ({ mountPath: m.mountPath, host: volumes.get(m.name) }))
    .filter((m): m is { mountPath: string; host: { path: string; type?: string } } => m.host !== undefined)
    .sort((a, b) => b.mountPath.length - a.mountPath.length)
  const mapPath = (p: string) => {
    const m = mounts.find((x) => p === x.mountPath || p.startsWith(x.mountPath + "/"))
    return m ? join(rootfs, m.host.path + p.slice(m.mountPath.length)) : p
  }
  const mapValue = (v: string) => {
    if (v.startsWith("/")) return mapPath(v)
    const urls = v
      .split(",")
      .map((u) => u.replace(/\/\/(127\.0\.0\.1|localhost|\[::1\])(?=[:/]|$)/, `//${nodeAddress}`))
    return [...new Set(urls)].join(",")
  }
  const args = [...container.command.slice(1), ...(container.args ?? [])].map((a) => {
    const eq = a.indexOf("=")
    return a.startsWith("--") && eq > 0 ? `${a.slice(0, eq)}=${mapValue(a.slice(eq + 1))}` : a
  })
  const createDirs = mounts.filter((m) => m.host.type === "DirectoryOrCreate").map((m) => join(rootfs, m.host.path))
  return { args, createDirs }
}

/** The etcd process started from a static Pod manifest, in place of the kubelet running the Pod. */
export interface EtcdStaticPod {
  readonly args: ReadonlyArray<string>
  readonly pid: number
  readonly log: () => string
  readonly exited: () => boolean
  readonly stop: () => Promise<void>
}

/** Starts the manifest's etcd now (the manifest must exist). */
export const runEtcdStaticPod = async (rootfs: string, nodeAddress: string): Promise<EtcdStaticPod> => {
  const pod = parse(await readFile(join(rootfs, ETCD_MANIFEST), "utf8"), { version: "1.1" }) as PodLike
  const { args, createDirs } = etcdCommandFromPod(pod, rootfs, nodeAddress)
  // the kubelet creates DirectoryOrCreate host paths; etcd wants its data dir 0700
  for (const d of createDirs) await mkdir(d, { recursive: true, mode: 0o700 })
  const { child, log } = spawnEtcd(args, rootfs)
  return {
    args,
    pid: child.pid ?? -1,
    log,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => stopChild(child)
  }
}

/**
 * Watches for the etcd manifest and runs it once it appears (as a kubelet
 * would). `stop()` stops the watcher and the etcd it started.
 */
export const watchEtcdStaticPod = (rootfs: string, nodeAddress: string, pollMs = 100) => {
  let pod: EtcdStaticPod | undefined
  let starting: Promise<void> | undefined
  let stopped = false
  let error: unknown
  const timer = setInterval(() => {
    if (stopped || pod || starting || !existsSync(join(rootfs, ETCD_MANIFEST))) return
    starting = runEtcdStaticPod(rootfs, nodeAddress).then(
      (p) => {
        pod = p
      },
      (e: unknown) => {
        error = e
      }
    )
  }, pollMs)
  return {
    running: () => pod,
    error: () => error,
    stop: async () => {
      stopped = true
      clearInterval(timer)
      await starting
      await pod?.stop()
    }
  }
}

/**
 * The FakeKubelet extension: once the kubelet has started (`onStarted`), run
 * the etcd static Pod whenever its manifest appears, until the kubelet stops
 * or `stop()` is called.
 */
export const etcdStaticPodExtension = (nodeAddress: string) => {
  let watcher: ReturnType<typeof watchEtcdStaticPod> | undefined
  return {
    onStarted: (ctx: { readonly rootfs: string; readonly signal: AbortSignal }) => {
      watcher = watchEtcdStaticPod(ctx.rootfs, nodeAddress)
      ctx.signal.addEventListener("abort", () => void watcher?.stop())
    },
    running: () => watcher?.running(),
    stop: async () => {
      await watcher?.stop()
    }
  }
}
