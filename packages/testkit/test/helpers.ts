// Shared test helpers: temp folders and the machine's kubectl.
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const tempDir = (prefix = "testkit-"): string => mkdtempSync(join(tmpdir(), prefix))

export const writeTemp = (dir: string, name: string, content: string): string => {
  const p = join(dir, name)
  writeFileSync(p, content, { mode: 0o600 })
  return p
}

export interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the real kubectl with an isolated HOME (its discovery cache goes to a temp folder).
 * Asynchronous on purpose: the API server lives in this process, a sync spawn would block it.
 */
export const kubectl = (kubeconfig: string, args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    const home = tempDir("kubectl-home-")
    const child = spawn("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout=10s", ...args], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.on("error", reject)
    child.on("close", (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
