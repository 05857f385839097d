/**
 * Shared pieces of the control-plane e2e tests: the built CLI in a child process (every run
 * checked for leaked secrets: canary.ts), node machines, openssl.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, expect } from "vitest"
import { type ChildRun, runChild, SHARED_PORT } from "../helpers.js"
import { expectNoSecretLeak } from "./canary.js"
import type { ClusterOptions } from "../../src/cluster/cluster.js"
import { type ClusterWithEtcd, initClusterWithEtcd } from "../../src/etcd/cluster-with-etcd.js"
import { freeLoopbackAddress } from "../../src/etcd/real-etcd.js"
import { watchEtcdStaticPod } from "../../src/etcd/static-pod.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"

const here = dirname(fileURLToPath(import.meta.url))
export const CLI = join(here, "../../../cli/dist/kubeadm-ts.mjs")

export type CliRun = ChildRun

/**
 * Runs `node kubeadm-ts.mjs <args>` asynchronously (the API server lives in
 * this process). `killWhen(line)` sends SIGKILL the moment a stdout line matches.
 */
export const runCli = async (
  args: ReadonlyArray<string>,
  options: { killWhen?: (line: string) => boolean; timeoutMs?: number } = {}
): Promise<CliRun> => {
  if (!existsSync(CLI)) throw new Error(`the CLI bundle ${CLI} is missing: run \`npm run build\` first`)
  const started = Date.now()
  const run = await runChild(process.execPath, [CLI, ...args], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp" },
    timeoutMs: options.timeoutMs ?? 180_000,
    ...(options.killWhen ? { killWhen: options.killWhen } : {})
  })
  expectNoSecretLeak(args, run, started)
  return run
}

export const openssl = (...args: string[]) => execFileSync("openssl", args, { encoding: "utf8" })

/** A machine for one more control-plane node: its rootfs, its own loopback address, its "kubelet" running the etcd static Pod. */
export const controlPlaneMachine = async (nodeName: string, options: { kubeletVersion?: string } = {}) => {
  const address = await freeLoopbackAddress([2379, 2380, 2381, 6443, 10250, 10257, 10259])
  const rootfs = await makeWorkerMachine({
    prefix: `kubeadm-ts-${nodeName}-`,
    ...(options.kubeletVersion ? { kubeletVersion: options.kubeletVersion } : {})
  })
  const etcd = watchEtcdStaticPod(rootfs, address)
  return {
    nodeName,
    address,
    rootfs,
    etcd,
    /** Extra join flags for this machine. */
    flags: [
      "--rootfs",
      rootfs,
      "--node-name",
      nodeName,
      "--apiserver-advertise-address",
      address,
      "--self-tls-bootstrap",
      `--ignore-preflight-errors=CRI,NumCPU,${SHARED_PORT}`
    ],
    cleanup: async () => {
      await etcd.stop()
      await rm(rootfs, { recursive: true, force: true })
    }
  }
}

/** The real etcdctl (v3 API) against `endpoints`, with the given client credentials written to a temp folder. */
export const etcdctl = async (
  endpoints: ReadonlyArray<string>,
  tls: { ca: string; cert: string; key: string },
  args: ReadonlyArray<string>
) => {
  const { mkdtemp, writeFile } = await import("node:fs/promises")
  const { tmpdir } = await import("node:os")
  const dir = await mkdtemp(join(tmpdir(), "etcdctl-"))
  try {
    await writeFile(join(dir, "ca.crt"), tls.ca)
    await writeFile(join(dir, "c.crt"), tls.cert)
    await writeFile(join(dir, "c.key"), tls.key, { mode: 0o600 })
    return await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        "etcdctl",
        [
          `--endpoints=${endpoints.join(",")}`,
          `--cacert=${join(dir, "ca.crt")}`,
          `--cert=${join(dir, "c.crt")}`,
          `--key=${join(dir, "c.key")}`,
          "--command-timeout=10s",
          ...args
        ],
        { env: { ETCDCTL_API: "3", PATH: "/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"] }
      )
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
      child.on("error", reject)
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** `etcdctl member list -w json` members: names, peer URLs, learner flag. */
export const etcdMembers = async (endpoints: ReadonlyArray<string>, tls: { ca: string; cert: string; key: string }) => {
  const r = await etcdctl(endpoints, tls, ["member", "list", "-w", "json"])
  if (r.code !== 0) throw new Error(`etcdctl member list failed: ${r.stderr}`)
  const json = JSON.parse(r.stdout) as {
    members?: Array<{ name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }>
  }
  return (json.members ?? []).map((m) => ({
    name: m.name ?? "",
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    isLearner: m.isLearner === true
  }))
}

/** Every file under `dir` (relative paths). */
export const filesUnder = async (dir: string): Promise<string[]> => {
  const { readdir } = await import("node:fs/promises")
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

/**
 * One cluster with a real etcd for a describe block: started before its tests, closed after
 * them together with everything the tests pushed on `cleanups` (last pushed, first run).
 */
export const useClusterWithEtcd = (options: ClusterOptions) => {
  let cluster: ClusterWithEtcd | undefined
  const cleanups: Array<() => Promise<unknown>> = []
  beforeAll(async () => {
    const started = await initClusterWithEtcd(options)
    cluster = started
    cleanups.push(() => started.close())
  })
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })
  return {
    get cluster(): ClusterWithEtcd {
      if (cluster === undefined) throw new Error("the cluster is not started (used outside a test?)")
      return cluster
    },
    cleanups
  }
}

/** Exactly one etcd member for `peerURL`, named `name` and a voter, and every member healthy; returns all members. */
export const expectOneHealthyMember = async (
  etcd: { clientURL: string; tls: { ca: string; cert: string; key: string } },
  peerURL: string,
  name: string
) => {
  const members = await etcdMembers([etcd.clientURL], etcd.tls)
  const ours = members.filter((x) => x.peerURLs.includes(peerURL))
  expect(ours).toHaveLength(1)
  expect(ours[0]).toMatchObject({ name, isLearner: false })
  const health = await etcdctl([etcd.clientURL], etcd.tls, ["endpoint", "health", "--cluster"])
  expect(health.code, health.stderr).toBe(0)
  expect((health.stdout + health.stderr).match(/is healthy/g)).toHaveLength(members.length)
  return members
}
