/**
 * After a crash: a join killed (SIGKILL) while waiting for the kubelet leaves
 * bootstrap-kubelet.conf, which holds the token, and maybe temp files. Another join run
 * there (another node name, so not a resume of the first) fails in preflight (the files of
 * the first run are there) and still removes both. A join
 * stopped with SIGTERM runs its finalizers and leaves no bootstrap-kubelet.conf.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { runChild, SHARED_PORT } from "../helpers.js"
import { expectNoSecretLeak } from "./canary.js"
import { CLI, runCli, tokenJoinArgs } from "./worker-helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.2.32" })
})
afterAll(() => cluster.close())

const WAITING = "[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap..."
const BOOTSTRAP_CONF = "etc/kubernetes/bootstrap-kubelet.conf"
/** No kubelet runs here, so the join waits for a TLS bootstrap that never comes. */
const args = (rootfs: string, node: string) => [
  ...tokenJoinArgs(cluster),
  "--rootfs",
  rootfs,
  "--node-name",
  node,
  `--ignore-preflight-errors=CRI,${SHARED_PORT}`
]

const withMachine = async (test: (rootfs: string) => Promise<void>) => {
  const rootfs = await makeWorkerMachine()
  try {
    await test(rootfs)
  } finally {
    await rm(rootfs, { recursive: true, force: true })
  }
}

describe("what a crashed or stopped join leaves (built CLI)", () => {
  it("killed with SIGKILL mid kubelet-start: the failing rerun removes bootstrap-kubelet.conf and leftover temp files", () =>
    withMachine(async (rootfs) => {
      const started = Date.now()
      const first = await runChild(process.execPath, [CLI, ...args(rootfs, "crash-kill")], {
        timeoutMs: 60_000,
        killWhen: (line) => line === WAITING
      })
      expectNoSecretLeak(args(rootfs, "crash-kill"), first, started)
      expect(first.signal).toBe("SIGKILL")
      expect(existsSync(join(rootfs, BOOTSTRAP_CONF)), "the crash left the token file").toBe(true)
      // What a crash between create and rename leaves (e.g. the kubelet's key).
      const temps = [
        "var/lib/kubelet/pki/.kubelet-client-2026-12-03-14-00-00.pem.tmp-0123456789ab",
        "etc/kubernetes/.kubelet.conf.tmp-ba9876543210"
      ]
      for (const t of temps) {
        mkdirSync(dirname(join(rootfs, t)), { recursive: true, mode: 0o700 })
        writeFileSync(join(rootfs, t), "-----BEGIN EC PRIVATE KEY-----\n", { mode: 0o600 })
      }

      // Another join (another node name): the same one would resume instead (e2e-kill-rerun).
      const rerun = await runCli(args(rootfs, "crash-kill-other"))
      expect(rerun.code).toBe(1)
      expect(rerun.stderr).toContain("[ERROR FileAvailable--etc-kubernetes-bootstrap-kubelet.conf]")
      expect(existsSync(join(rootfs, BOOTSTRAP_CONF)), "bootstrap-kubelet.conf after the failed rerun").toBe(false)
      for (const t of temps) expect(existsSync(join(rootfs, t)), t).toBe(false)
      expect(readdirSync(join(rootfs, "etc/kubernetes")).filter((n) => n.includes(".tmp-"))).toEqual([])
    }))

  it("stopped with SIGTERM mid kubelet-start: exits 1 and bootstrap-kubelet.conf is gone", () =>
    withMachine(async (rootfs) => {
      const started = Date.now()
      const child = spawn(process.execPath, [CLI, ...args(rootfs, "crash-term")], { stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      let signalled = false
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString()
        if (!signalled && stdout.includes(WAITING)) {
          signalled = true
          expect(existsSync(join(rootfs, BOOTSTRAP_CONF)), "written before the wait").toBe(true)
          child.kill("SIGTERM")
        }
      })
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
      const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
      clearTimeout(timer)
      expectNoSecretLeak(args(rootfs, "crash-term"), { stdout, stderr }, started)
      expect(signalled, stdout + stderr).toBe(true)
      expect(code, stderr).toBe(1)
      expect(stderr).toContain("kubeadm-ts: interrupted")
      expect(existsSync(join(rootfs, BOOTSTRAP_CONF))).toBe(false)
    }))
})
