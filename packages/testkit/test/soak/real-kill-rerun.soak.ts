/**
 * Kill and re-run against the real cluster (`npm run soak -- kill-real`; not in `npm test`):
 * a worker join and a control-plane join on nodes of the real cluster (real kube-apiserver,
 * etcd 3.6, the real kubelet under its systemctl shim, each control-plane node's static Pods
 * run from its manifests) are traced once, then killed with SIGKILL at every point
 * (KUBEADM_TS_KILL_ALL=1) or the middle point of each kind, and run again with the same
 * command: the re-run must converge (exit 0, no torn file, the Node registered by the real
 * kubelet, one voting etcd member for the peer URL, the cluster healthy).
 */
import { rm } from "node:fs/promises"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startContainerd } from "../../src/node/containerd.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { installKubeletUnit } from "../../src/real/kubelet-unit.js"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import { runStaticPods } from "../../src/real/static-pods.js"
import { runChild } from "../helpers.js"
import { CLI, etcdctl } from "../e2e/control-plane-helpers.js"
import {
  crashEnv,
  expectConverged,
  inLanes,
  killAndRerun,
  type KillTarget,
  pointsOfTrace,
  report,
  select,
  TIMEOUT
} from "../e2e/kill-harness.js"
import { realTokenJoinArgs, startRealCluster, stopRealCluster } from "../e2e/real-helpers.js"

let cluster: RealClusterService
beforeAll(async () => {
  cluster = await startRealCluster()
}, 300_000)
afterAll(() => stopRealCluster(cluster), 60_000)

const initEtcd = () => {
  const pki = join(cluster.controlPlane.root, "etc/kubernetes/pki/etcd")
  return {
    endpoints: [`https://${cluster.controlPlane.network.address}:2379`],
    tls: {
      ca: readFileSync(join(pki, "ca.crt"), "utf8"),
      cert: readFileSync(join(pki, "healthcheck-client.crt"), "utf8"),
      key: readFileSync(join(pki, "healthcheck-client.key"), "utf8")
    }
  }
}

const members = async () => {
  const { endpoints, tls } = initEtcd()
  const r = await etcdctl(endpoints, tls, ["member", "list"])
  return r.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split(", "))
    .map(([id, status, name, peers, , learner]) => ({
      id: id ?? "",
      started: status === "started",
      name: name ?? "",
      peerURL: peers ?? "",
      isLearner: learner === "true"
    }))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A node of the real cluster (containerd, the kubelet unit, and for a control plane its static Pods). */
const realTarget = (role: "worker" | "control-plane"): KillTarget => ({
  machine: async (label) => {
    const nodeName = `kill-real-${role === "worker" ? "w" : "c"}-${label}`
    const node = cluster.addNode(nodeName)
    await makeWorkerMachine({ dir: node.root, kubeletBinary: cluster.components.bin("kubelet") })
    const containerd = await startContainerd(node.root)
    const kubelet = installKubeletUnit(node, cluster.components)
    const pods =
      role === "control-plane"
        ? runStaticPods(node, cluster.components, [
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler"
          ])
        : undefined
    const peerURL = `https://${node.network.address}:2380`
    const args =
      role === "worker"
        ? [...realTokenJoinArgs(cluster), "--node-name", nodeName]
        : [
            ...cluster.joinCommands.controlPlane,
            "--node-name",
            nodeName,
            "--apiserver-advertise-address",
            node.network.address
          ]
    return {
      nodeName,
      rootfs: node.root,
      args,
      run: (a, crashAt) =>
        runChild(
          "nsenter",
          [`--net=/run/netns/${node.network.netns}`, process.execPath, CLI, ...a, "--rootfs", node.root],
          { timeoutMs: 600_000, env: { ...process.env, ...crashEnv(crashAt) } }
        ),
      converged: async () => {
        const problems: Array<string> = []
        let registered = false
        for (let i = 0; i < 180 && !registered; i++) {
          registered = (await cluster.kubectl(["get", "node", nodeName])).code === 0
          if (!registered) await sleep(500)
        }
        if (!registered) problems.push(`the kubelet did not register Node ${nodeName}`)
        if (role === "control-plane") {
          const ours = (await members()).filter((m) => m.peerURL === peerURL)
          if (ours.length !== 1 || ours[0]?.isLearner !== false || !ours[0].started)
            problems.push(`etcd members for ${peerURL}: ${JSON.stringify(ours)}`)
          const { endpoints, tls } = initEtcd()
          const health = await etcdctl(endpoints, tls, ["endpoint", "health", "--cluster"])
          if (health.code !== 0) problems.push(`etcd not healthy: ${health.stderr}`)
        }
        return problems
      },
      cleanup: async () => {
        for (const m of (await members()).filter((x) => x.peerURL === peerURL)) {
          const { endpoints, tls } = initEtcd()
          for (let attempt = 0; attempt < 60; attempt++) {
            if ((await etcdctl(endpoints, tls, ["member", "remove", m.id])).code === 0) break
            await sleep(500)
          }
        }
        await pods?.stop()
        kubelet.stop()
        await containerd.stop()
        await cluster.kubectl(["delete", "node", nodeName, "--ignore-not-found"])
        await rm(node.root, { recursive: true, force: true })
      }
    }
  }
})

describe.each(["worker", "control-plane"] as const)("real cluster: %s join killed and re-run", (role) => {
  it(
    "every selected kill point converges on re-run",
    async () => {
      const target = realTarget(role)
      const trace = await target.machine("trace")
      const traced = await (trace.run ?? (() => Promise.reject(new Error("no runner"))))(trace.args, "trace").finally(
        () => trace.cleanup()
      )
      expect(traced.code, traced.stderr).toBe(0)
      const points = pointsOfTrace(traced.stderr, trace.nodeName)
      const outcomes = await inLanes(select(points), 1, (p, i) => killAndRerun(target, p, String(i)))
      report(`real ${role} (${points.length} points, ${outcomes.length} run)`, outcomes)
      expectConverged(outcomes)
    },
    TIMEOUT * 4
  )
})
