// Shared test helpers: temp folders and the machine's kubectl.
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const tempDir = (prefix = "testkit-"): string => mkdtempSync(join(tmpdir(), prefix))

/** The value, or a failure naming what is missing (where a `!` would fail later with a bare TypeError). */
export const defined = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new Error(`expected ${what}`)
  return value
}

/**
 * Runs the rest of a beforeAll's setup; when it fails, releases what the setup already acquired and rethrows.
 * Vitest drops a beforeAll's returned teardown when the hook throws, so nothing else would release it.
 */
export const releasingOnFailure = <A>(release: () => Promise<unknown>, rest: () => Promise<A>): Promise<A> =>
  rest().catch(async (e: unknown) => {
    await release()
    throw e
  })

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

export interface ChildRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a command asynchronously (the API server lives in this process, a sync spawn would block it),
 * collecting its output; SIGKILL after `timeoutMs`, or the moment a stdout line matches `killWhen`.
 */
export const runChild = (
  command: string,
  args: ReadonlyArray<string>,
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; killWhen?: (line: string) => boolean }
): Promise<ChildRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.env ? { env: options.env } : {})
    })
    let stdout = ""
    let stderr = ""
    let pending = ""
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString()
      if (!options.killWhen) return
      pending += c.toString()
      const lines = pending.split("\n")
      pending = lines.pop() ?? ""
      if (lines.some(options.killWhen)) child.kill("SIGKILL")
    })
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })

/** Runs the real kubectl with an isolated HOME (its discovery cache goes to a temp folder). */
export const kubectl = async (kubeconfig: string, args: ReadonlyArray<string>): Promise<Run> => {
  const { code, stdout, stderr } = await runChild(
    "kubectl",
    ["--kubeconfig", kubeconfig, "--request-timeout=10s", ...args],
    {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tempDir("kubectl-home-") },
      timeoutMs: 30_000
    }
  )
  return { status: code, stdout, stderr }
}

/**
 * The preflight check e2e joins ignore because every simulated node shares this
 * machine: Port-10250 binds the kubelet port on all addresses for an instant, so
 * joins running at the same time in other test files would see each other's probe.
 */
export const SHARED_PORT = "Port-10250"
