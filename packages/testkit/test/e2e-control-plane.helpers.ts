/** Shared pieces of the control-plane e2e tests: the built CLI in a child process, node machines, openssl. */
import { execFileSync, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { freeLoopbackAddress } from "../src/etcd.js"
import { watchEtcdStaticPod } from "../src/etcd-static-pod.js"
import { makeWorkerMachine } from "../src/worker-machine.js"

const here = dirname(fileURLToPath(import.meta.url))
export const CLI = join(here, "../../cli/dist/kubeadm-ts.mjs")

export interface CliRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `node kubeadm-ts.mjs <args>` asynchronously (the API server lives in
 * this process). `killWhen(line)` sends SIGKILL the moment a stdout line matches.
 */
export const runCli = (args: ReadonlyArray<string>, options: { killWhen?: (line: string) => boolean; timeoutMs?: number } = {}): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    if (!existsSync(CLI)) return reject(new Error(`the CLI bundle ${CLI} is missing: run \`npm run build\` first`))
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp" } })
    let stdout = ""
    let stderr = ""
    let pending = ""
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString()
      pending += c.toString()
      const lines = pending.split("\n")
      pending = lines.pop() ?? ""
      if (options.killWhen && lines.some(options.killWhen)) child.kill("SIGKILL")
    })
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })

export const openssl = (...args: string[]) => execFileSync("openssl", args, { encoding: "utf8" })

/** A machine for one more control-plane node: its rootfs, its own loopback address, its "kubelet" running the etcd static Pod. */
export const controlPlaneMachine = async (nodeName: string) => {
  const address = await freeLoopbackAddress([2379, 2380, 2381, 6443, 10250, 10257, 10259])
  const rootfs = await makeWorkerMachine({ prefix: `kubeadm-ts-${nodeName}-` })
  const etcd = watchEtcdStaticPod(rootfs, address)
  return {
    nodeName,
    address,
    rootfs,
    etcd,
    /** Extra join flags for this machine. */
    flags: ["--rootfs", rootfs, "--node-name", nodeName, "--apiserver-advertise-address", address, "--self-tls-bootstrap", "--ignore-preflight-errors=CRI"],
    cleanup: async () => {
      await etcd.stop()
      await rm(rootfs, { recursive: true, force: true })
    }
  }
}
