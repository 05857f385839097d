/**
 * Kill and re-run (issue 16, item 2), CI-sized, worker: one traced join lists the kill
 * points (phase boundaries, mid-writes, API changes); the join is killed with SIGKILL at the
 * middle point of each kind and the same command run again: it must converge (exit 0, no
 * torn or zero-length file, the Node there) and say what it resumes. Built CLI, testkit API
 * server, in-process TLS bootstrap. `npm run soak -- kill` runs every point.
 */
import { rm } from "node:fs/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { CRASH_CONFIRM_PHRASE } from "@kubeadm-ts/join"
import { runChild, SHARED_PORT } from "../helpers.js"
import { CLI } from "./control-plane-helpers.js"
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
import { tokenJoinArgs } from "./worker-helpers.js"

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

  it("a crash point is armed only with both variables; a mistyped one stops the run (exit 70)", async () => {
    const m = await target.machine("armed")
    try {
      const dry = [...m.args, "--dry-run"]
      const env = (extra: Record<string, string>) => ({ PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...extra })
      const cli = (extra: Record<string, string>) =>
        runChild(process.execPath, [CLI, ...dry], { timeoutMs: 120_000, env: env(extra) })
      const unarmed = await cli({ KUBEADM_TS_TEST_CRASH_AT: "phase:preflight" })
      expect(unarmed.code, unarmed.stderr).toBe(0)
      expect(unarmed.stderr).not.toContain("[crash-point]")
      const armed = await cli({
        KUBEADM_TS_TEST_CRASH_AT: "phase:preflight",
        KUBEADM_TS_TEST_CRASH_CONFIRM: CRASH_CONFIRM_PHRASE
      })
      expect(armed.signal).toBe("SIGKILL")
      expect(armed.stderr).toContain("[crash-point] SIGKILL at phase:preflight")
      const typo = await cli({ KUBEADM_TS_TEST_CRASH_AT: "phase", KUBEADM_TS_TEST_CRASH_CONFIRM: CRASH_CONFIRM_PHRASE })
      expect(typo.code).toBe(70)
      expect(typo.stderr).toContain('KUBEADM_TS_TEST_CRASH_AT="phase" is not a crash point')
    } finally {
      await m.cleanup()
    }
  })
})
