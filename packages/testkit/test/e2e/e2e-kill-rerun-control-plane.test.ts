/**
 * Kill and re-run (issue 16, item 2), CI-sized, control plane: one traced join lists the
 * kill points (phase boundaries, mid-writes, API changes, the etcd member add); the join is
 * killed with SIGKILL at the middle point of each kind and the same command run again: it
 * must converge (exit 0, no torn or zero-length file, the Node there, one etcd member for
 * its peer URL, started and voting, every member healthy) and say what it resumes. Built
 * CLI, testkit API server, real etcd (each node's etcd run from its manifest). After each
 * point the node's member is removed while its etcd still runs, so the cluster keeps its
 * quorum. `npm run soak -- kill` runs every point.
 */
import { describe, expect, it } from "vitest"
import { controlPlaneMachine, etcdctl, useClusterWithEtcd } from "./control-plane-helpers.js"
import {
  expectConverged,
  inLanes,
  killAndRerun,
  pointsOfTrace,
  report,
  runJoin,
  select,
  TIMEOUT
} from "./kill-harness.js"

/** The hex member ID and peer URLs of each member, from etcdctl's plain listing. */
const memberIds = async (etcd: { clientURL: string; tls: { ca: string; cert: string; key: string } }) => {
  const r = await etcdctl([etcd.clientURL], etcd.tls, ["member", "list"])
  return r.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split(", "))
    .map(([id, status, name, peers, clients, learner]) => ({
      id: id ?? "",
      status: status ?? "",
      name: name ?? "",
      peerURLs: (peers ?? "").split(","),
      clientURLs: (clients ?? "").split(",").filter((u) => u !== ""),
      isLearner: learner === "true"
    }))
}

describe("control-plane join killed at each kind of point, then the same command again (built CLI, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })

  const target = {
    machine: async (label: string) => {
      const nodeName = `kill-cp-${label}`
      const m = await controlPlaneMachine(nodeName)
      const peerURL = `https://${m.address}:2380`
      const etcd = cp.cluster.etcd
      return {
        nodeName,
        rootfs: m.rootfs,
        args: [...cp.cluster.joinCommands.controlPlane, ...m.flags],
        converged: async () => {
          const problems: Array<string> = []
          if (cp.cluster.get("nodes", undefined, nodeName) === undefined) problems.push(`no Node ${nodeName}`)
          const ours = (await memberIds(etcd)).filter((x) => x.peerURLs.includes(peerURL))
          if (ours.length !== 1) problems.push(`${ours.length} etcd members for ${peerURL}`)
          else if (ours[0]?.name !== nodeName || ours[0].isLearner || ours[0].clientURLs.length === 0)
            problems.push(`our etcd member is ${JSON.stringify(ours[0])}`)
          const health = await etcdctl([etcd.clientURL], etcd.tls, ["endpoint", "health", "--cluster"])
          if (health.code !== 0) problems.push(`etcd not healthy: ${health.stderr}`)
          return problems
        },
        // Out of the cluster again (member first: its etcd stops next), so the cluster keeps its quorum.
        cleanup: async () => {
          for (const x of (await memberIds(etcd)).filter((y) => y.peerURLs.includes(peerURL))) {
            // etcd refuses a reconfiguration ("unhealthy cluster") until its members have been connected for 5 s.
            for (let attempt = 0; ; attempt++) {
              const r = await etcdctl([etcd.clientURL], etcd.tls, ["member", "remove", x.id])
              if (r.code === 0) break
              if (attempt >= 60) throw new Error(`etcdctl member remove ${x.id}: ${r.stderr}`)
              await new Promise((resolve) => setTimeout(resolve, 500))
            }
          }
          await m.cleanup()
        }
      }
    }
  }

  it(
    "every kind of kill point converges on re-run",
    async () => {
      const trace = await target.machine("trace")
      const traced = await runJoin(trace.args, "trace").finally(() => trace.cleanup())
      expect(traced.code, traced.stderr).toBe(0)
      const points = pointsOfTrace(traced.stderr, trace.nodeName)
      expect(new Set(points.map((p) => p.split(":")[0]))).toEqual(new Set(["phase", "write", "api", "etcd"]))
      // One at a time: concurrent member adds are item 4's subject, not this one's.
      const outcomes = await inLanes(select(points), 1, (p, i) => killAndRerun(target, p, `c${i}`))
      report(`control plane (${points.length} points, ${outcomes.length} run)`, outcomes)
      expectConverged(outcomes)
    },
    TIMEOUT
  )
})
