/**
 * Kill and re-run (issue 16, item 2), CI-sized: a worker join and a control-plane join
 * (built CLI, testkit API server, real etcd) are each traced once to list their kill
 * points, then killed with SIGKILL at a deterministic subset covering every kind (phase
 * boundary, mid-write, after an API mutation, after an etcd change) and run again with the
 * same command line. Each re-run must converge: exit 0, no torn or zero-length file, the
 * Node there, one etcd member for the peer URL, every member healthy; and it says what it
 * resumes. `npm run soak -- kill` runs every point (KUBEADM_TS_KILL_ALL=1).
 */
import { rm } from "node:fs/promises"
import { RESUME_RECORD } from "@kubeadm-ts/join"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { SHARED_PORT } from "../helpers.js"
import { controlPlaneMachine, etcdctl, useClusterWithEtcd } from "./control-plane-helpers.js"
import { ciSubset, inLanes, type KillOutcome, killAndRerun, pointsOfTrace, runJoin, summary } from "./kill-harness.js"
import { tokenJoinArgs } from "./worker-helpers.js"

const ALL = process.env["KUBEADM_TS_KILL_ALL"] === "1"
const TIMEOUT = ALL ? 3_600_000 : 400_000
/** `KUBEADM_TS_KILL_ONLY=<regex>` narrows the points (to chase one). */
const ONLY = process.env["KUBEADM_TS_KILL_ONLY"]
const select = (points: ReadonlyArray<string>) =>
  (ALL ? [...points] : ciSubset(points)).filter((p) => ONLY === undefined || new RegExp(ONLY).test(p))

const report = (what: string, outcomes: ReadonlyArray<KillOutcome>) => {
  process.stdout.write(`[kill] ${what}: ${summary(outcomes).join("; ")}\n`)
  for (const o of outcomes)
    process.stdout.write(
      `[kill]   ${o.point} (${o.seconds} s): ${o.problems.length === 0 ? "converged" : o.problems.join(" | ")}\n`
    )
}

const expectConverged = (outcomes: ReadonlyArray<KillOutcome>) => {
  for (const o of outcomes) {
    expect(o.problems, o.point).toEqual([])
    expect(o.killed, o.point).toBe(true)
    // Killed while writing the record itself, the first run left nothing of its own to resume.
    if (!o.point.startsWith(`write:${RESUME_RECORD}:`))
      expect(o.resumedNote, `${o.point}: the re-run says what it resumes`).toBe(true)
  }
}

describe("worker join killed at each kind of point, then the same command again (built CLI)", () => {
  let cluster: TestCluster
  beforeAll(async () => {
    cluster = await initCluster({ address: "127.0.2.61" })
  })
  afterAll(() => cluster.close())

  const target = {
    machine: async (label: string) => {
      const rootfs = await makeWorkerMachine({ prefix: `kubeadm-ts-kill-${label}-` })
      const nodeName = `kill-${label}`
      return {
        nodeName,
        rootfs,
        args: [
          ...tokenJoinArgs(cluster),
          "--rootfs",
          rootfs,
          "--node-name",
          nodeName,
          "--self-tls-bootstrap",
          `--ignore-preflight-errors=CRI,${SHARED_PORT}`
        ],
        converged: () =>
          Promise.resolve(cluster.get("nodes", undefined, nodeName) === undefined ? [`no Node ${nodeName}`] : []),
        cleanup: () => rm(rootfs, { recursive: true, force: true })
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
      expect(new Set(points.map((p) => p.split(":")[0]))).toEqual(new Set(["phase", "write", "api"]))
      const outcomes = await inLanes(select(points), 3, (p, i) => killAndRerun(target, p, `w${i}`))
      report(`worker (${points.length} points, ${outcomes.length} run)`, outcomes)
      expectConverged(outcomes)
    },
    TIMEOUT
  )
})

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
