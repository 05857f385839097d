/**
 * Shared helpers for the benchmarks: summary statistics, a plain-text table, and a child-process
 * runner that reports wall time and peak RSS. Benchmarks print figures; they never assert timings.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root (bench/ -> testkit/ -> packages/ -> root). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

export interface Summary {
  readonly n: number
  readonly median: number
  readonly p90: number
  readonly min: number
  readonly max: number
}

/** Nearest-rank percentile of sorted samples. */
const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN

export const summarise = (samples: ReadonlyArray<number>): Summary => {
  const s = [...samples].sort((a, b) => a - b)
  const mid = s.length / 2
  const median = s.length % 2 === 1 ? (s[Math.floor(mid)] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
  return { n: s.length, median, p90: percentile(s, 0.9), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN }
}

export const fmt = (x: number | undefined, digits = 1): string =>
  x === undefined || Number.isNaN(x) ? "n/a" : x.toFixed(digits)

/** The usual columns of a timing row: runs, median, p90, min, max. */
export const timingCells = (s: Summary, digits = 1): Array<string> => [
  String(s.n),
  fmt(s.median, digits),
  fmt(s.p90, digits),
  fmt(s.min, digits),
  fmt(s.max, digits)
]
export const timingHeader = (unit = "ms"): Array<string> => [
  "runs",
  `median ${unit}`,
  `p90 ${unit}`,
  `min ${unit}`,
  `max ${unit}`
]

/** Prints a Markdown-style table with right-aligned figures (the first `leftColumns` columns left-aligned). */
export const printTable = (
  title: string,
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  leftColumns = 1
): void => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    "| " +
    widths.map((w, i) => (i < leftColumns ? (cells[i] ?? "").padEnd(w) : (cells[i] ?? "").padStart(w))).join(" | ") +
    " |"
  console.log(`\n### ${title}\n`)
  console.log(line(header))
  console.log(
    "|" + widths.map((w, i) => (i < leftColumns ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|"
  )
  for (const r of rows) console.log(line(r))
}

export interface ChildResult {
  readonly code: number | null
  readonly wallMs: number
  /** Peak resident set size of the child in MiB (from GNU time), undefined when not measurable. */
  readonly peakRssMiB: number | undefined
  /** CPU time (user + system) of the child in ms (from GNU time, 10 ms resolution), undefined when not measurable. */
  readonly cpuMs: number | undefined
  readonly stdout: string
  readonly stderr: string
  /** For each mark, ms from spawn until the first output line (stdout or stderr) matching it. */
  readonly marks: Readonly<Record<string, number>>
}

/** GNU time reports the child's ru_maxrss (from wait4), which is exact and needs no polling. */
const GNU_TIME = "/usr/bin/time"
export const canMeasureRss = existsSync(GNU_TIME)

/**
 * Runs a command to completion, measuring wall time from spawn to exit in this process and the
 * child's peak RSS through `/usr/bin/time -f %M` (kilobytes) written to a side file.
 */
export const runChild = async (
  command: string,
  args: ReadonlyArray<string>,
  options: {
    readonly cwd?: string
    readonly env?: NodeJS.ProcessEnv
    readonly timeoutMs?: number
    readonly marks?: Readonly<Record<string, RegExp>>
  } = {}
): Promise<ChildResult> => {
  const dir = canMeasureRss ? await mkdtemp(join(tmpdir(), "kubeadm-ts-bench-")) : undefined
  const rssFile = dir === undefined ? undefined : join(dir, "rss")
  const [cmd, argv] =
    rssFile === undefined ? [command, [...args]] : [GNU_TIME, ["-f", "%M %U %S", "-o", rssFile, command, ...args]]
  try {
    const started = performance.now()
    const marks: Record<string, number> = {}
    // Tested against each stream's whole text so far, so a line split across chunks still matches.
    const watch = (text: string) => {
      for (const [name, re] of Object.entries(options.marks ?? {}))
        if (marks[name] === undefined && re.test(text)) marks[name] = performance.now() - started
    }
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(cmd, argv, {
          cwd: options.cwd ?? repoRoot,
          env: options.env ?? process.env,
          stdio: ["ignore", "pipe", "pipe"],
          detached: true
        })
        let out = ""
        let err = ""
        child.stdout.setEncoding("utf8").on("data", (d: string) => watch((out += d)))
        child.stderr.setEncoding("utf8").on("data", (d: string) => watch((err += d)))
        // Own process group (detached), so a timeout ends the command under `time` as well.
        const kill = () => child.pid !== undefined && process.kill(-child.pid, "SIGKILL")
        const timer = options.timeoutMs === undefined ? undefined : setTimeout(kill, options.timeoutMs)
        child.on("error", reject)
        child.on("close", (c) => {
          if (timer !== undefined) clearTimeout(timer)
          resolve({ code: c, stdout: out, stderr: err })
        })
      }
    )
    const wallMs = performance.now() - started
    let peakRssMiB: number | undefined
    let cpuMs: number | undefined
    if (rssFile !== undefined) {
      // GNU time prints "Command exited with non-zero status N" before the figures on failure.
      const last = (await readFile(rssFile, "utf8").catch(() => "")).trim().split("\n").pop() ?? ""
      const [kb, user, sys] = last.split(" ").map(Number)
      peakRssMiB = kb !== undefined && Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined
      cpuMs = user !== undefined && sys !== undefined && Number.isFinite(user + sys) ? (user + sys) * 1000 : undefined
    }
    return { code, wallMs, peakRssMiB, cpuMs, stdout, stderr, marks }
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }
}

/** Builds the bundles (`npm run build`) when the CLI or testkit bundle is missing. */
export const ensureBuilt = async (): Promise<void> => {
  const bundles = ["packages/cli/dist/kubeadm-ts.mjs", "packages/testkit/dist/kubeadm-ts-testkit.mjs"]
  if (bundles.every((b) => existsSync(join(repoRoot, b)))) return
  console.log("building the bundles (npm run build) ...")
  const r = await runChild("npm", ["run", "build"])
  if (r.code !== 0) throw new Error(`npm run build failed:\n${r.stderr || r.stdout}`)
}

export const cliBundle = join(repoRoot, "packages/cli/dist/kubeadm-ts.mjs")
export const testkitBundle = join(repoRoot, "packages/testkit/dist/kubeadm-ts-testkit.mjs")

/** Options common to all benchmarks. */
export interface BenchOptions {
  /** Repetitions per case (each bench has its own default when absent). */
  readonly runs: number | undefined
}

export interface Bench {
  readonly name: string
  readonly description: string
  readonly run: (options: BenchOptions) => Promise<void>
}

/** One figure of the summary table (and of `--json FILE`): a value beside its goal and the real kubeadm's. */
export interface Figure {
  /** Which bench measured it. */
  readonly bench: string
  readonly name: string
  readonly value: number | undefined
  readonly unit: string
  /** The goal in words ("<= 1.5x node -e ''"), and whether the value meets it. */
  readonly goal?: string
  readonly met?: boolean
  /** The real kubeadm's figure where it is comparable (and where it comes from). */
  readonly kubeadm?: string
  /** The 1-minute load average when it was taken (the machine may be shared). */
  readonly load: number
}

/** Every figure recorded in this run, in order. */
export const figures: Array<Figure> = []

/** Records a figure for the summary table, with the load average of the moment. */
export const record = (f: Omit<Figure, "load">): void => {
  figures.push({ ...f, load: loadavg()[0] ?? NaN })
}

/** CPU time of this process so far (user + system, every thread), in ms. */
export const processCpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** The median wall time of `node -e ''` in this run: the startup bench's, or measured now (5 spawns). */
export const floorMs = async (): Promise<number> => {
  const known = figures.find((f) => f.name === "node -e '' (floor)")?.value
  if (known !== undefined) return known
  const ms: Array<number> = []
  for (let i = 0; i < 5; i++) ms.push((await runChild(process.execPath, ["-e", ""])).wallMs)
  return summarise(ms).median
}

/** CPU time (user + system) of another process of this machine so far, in ms, from /proc (undefined elsewhere). */
export const otherProcessCpuMs = async (pid: number | undefined): Promise<number | undefined> => {
  if (pid === undefined) return undefined
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined)
  if (stat === undefined) return undefined
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const ticks = Number(fields[11]) + Number(fields[12])
  // Linux reports them in clock ticks, USER_HZ = 100 on every architecture Node runs on.
  return Number.isFinite(ticks) ? ticks * 10 : undefined
}
