/**
 * The kubelet's static Pods, without containers: watches a node's
 * /etc/kubernetes/manifests and runs each named component with the manifest's
 * own command line on the node (its network and folders), restarting it when
 * the manifest changes or when it exited. The real kubelet cannot run them here: its container
 * images cannot be pulled on a machine with no registry access.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { RealComponents } from "./components.js"
import { type NodeHost, type NodeProcess, startOnNode } from "./node-process.js"
import { staticPodCommand } from "./static-pod-command.js"

/** The processes standing in for a node's static Pods, and how to stop them. */
export interface StaticPods {
  readonly running: () => ReadonlyArray<NodeProcess>
  /** The log tails of every process started, for a failing test's message. */
  readonly logTails: () => string
  readonly stop: () => Promise<void>
}

/** Keeps the named static Pods of a node running as processes: starts, restarts on manifest change, stops on removal. */
export const runStaticPods = (node: NodeHost, components: RealComponents, names: ReadonlyArray<string>): StaticPods => {
  const manifests = join(node.root, "etc/kubernetes/manifests")
  const current = new Map<string, { text: string; process: NodeProcess; since: number }>()
  const started: Array<NodeProcess> = []
  let sync = Promise.resolve()
  const reconcile = async () => {
    for (const name of names) {
      const path = join(manifests, `${name}.yaml`)
      const text = existsSync(path) ? readFileSync(path, "utf8") : undefined
      const running = current.get(name)
      // unchanged manifest: leave it be while it runs; an exited one is restarted after 2 s, as
      // the kubelet restarts a static Pod's container (a kube-apiserver started before its local
      // etcd member gives up and exits; every exit shows in the log tails)
      if (running && running.text === text && (!running.process.exited() || Date.now() - running.since < 2_000))
        continue
      if (running) await running.process.stop()
      current.delete(name)
      if (text === undefined) continue
      const { program, args } = staticPodCommand(path, components)
      const process = startOnNode(node, name, program, args)
      started.push(process)
      current.set(name, { text, process, since: Date.now() })
    }
  }
  const timer = setInterval(() => {
    sync = sync.then(reconcile, reconcile)
  }, 200)
  return {
    running: () => [...current.values()].map((c) => c.process).filter((p) => !p.exited()),
    logTails: () =>
      started
        .map(
          (p) =>
            `--- ${p.name}${p.exited() ? ` (exited ${p.child.exitCode ?? p.child.signalCode})` : ""}:\n${p.logTail(15)}`
        )
        .join("\n"),
    stop: async () => {
      clearInterval(timer)
      await sync
      for (const p of started.reverse()) await p.stop()
    }
  }
}
