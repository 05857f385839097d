/** Runs the built CLI bundle in a child process, each time with a fresh temp rootfs. */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const bundle = fileURLToPath(new URL("../dist/kubeadm-ts.mjs", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const runCli = (args: ReadonlyArray<string>, cwd?: string): CliResult => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first (npm test does)`)
  const r = spawnSync(process.execPath, [bundle, ...args], {
    encoding: "utf8",
    cwd: cwd ?? tmpdir(),
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: "1" }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export const tempDir = (prefix = "kubeadm-ts-cli-"): string => mkdtempSync(join(tmpdir(), prefix))

/** Every path under `dir`, relative, sorted: compared before and after a run to prove nothing was written. */
export const listing = (dir: string): ReadonlyArray<string> =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).map(String).sort() : ["<missing>"]

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true })

export interface MeasuredRun extends CliResult {
  /** Peak resident set size of the CLI process, from GNU time's "Maximum resident set size". */
  readonly peakRssMb: number
  readonly seconds: number
}

/**
 * Runs the built CLI under `/usr/bin/time -v` (asynchronously, so a server in this process
 * keeps answering) and reports its peak RSS. Killed after `timeoutMs`: a hang fails the test.
 */
export const runCliMeasured = (args: ReadonlyArray<string>, timeoutMs = 20_000): Promise<MeasuredRun> =>
  new Promise((resolve, reject) => {
    if (!existsSync(bundle))
      return reject(new Error(`${bundle} is missing: run \`npm run build\` first (npm test does)`))
    const started = Date.now()
    const child = spawn("/usr/bin/time", ["-v", process.execPath, bundle, ...args], {
      cwd: tmpdir(),
      env: { ...process.env, NO_COLOR: "1" }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      const report = stderr.lastIndexOf("\tCommand being timed:")
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr.slice(report))
      if (report < 0 || rss === null)
        return reject(new Error(`no /usr/bin/time report (killed after ${timeoutMs} ms?): ${stderr.slice(-500)}`))
      // GNU time prefixes its report with "Command exited with non-zero status N" (or "terminated by signal").
      const own = Math.min(
        ...[stderr.lastIndexOf("Command exited with"), stderr.lastIndexOf("Command terminated by"), report].filter(
          (i) => i >= 0
        )
      )
      resolve({
        code,
        stdout,
        stderr: stderr.slice(0, own),
        peakRssMb: Number(rss[1]) / 1024,
        seconds: (Date.now() - started) / 1000
      })
    })
  })
