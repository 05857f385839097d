/**
 * Kill and re-run (issue 16, item 2): the built CLI is killed with SIGKILL at a crash point
 * (a phase boundary, the middle of a file write, right after an API or etcd mutation; the
 * test-only hook of packages/join/src/internal/crash/crash-points.ts), then the SAME command
 * is run again, without any extra `--ignore-preflight-errors`, and must converge.
 *
 * The points of a join are listed by one traced run (`KUBEADM_TS_TEST_CRASH_AT=trace`), so
 * a new phase, file or API call becomes a new kill point without touching the tests.
 */
import { existsSync } from "node:fs"
import { lstat, readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { CRASH_CONFIRM_PHRASE, RESUME_RECORD } from "@kubeadm-ts/join"
import { expect } from "vitest"
import { type ChildRun, runChild } from "../helpers.js"
import { CLI } from "./control-plane-helpers.js"

/** One kill point as the crash hook names it (`write:<path>:<byte>`, `phase:<name>`, `api:<op>`, `etcd:<op>`). */
export type KillPoint = string

/** The kind of a point: what the README's Reliability row counts. */
export const kindOf = (point: KillPoint): "phase" | "write" | "api" | "etcd" =>
  point.startsWith("write:") ? "write" : point.startsWith("api:") ? "api" : point.startsWith("etcd:") ? "etcd" : "phase"

/** How many bytes of a file are written before the kill in its write (the middle of small files, e.g. a key's PEM header). */
export const CUT_AT_BYTE = 17

const baseEnv = () => ({ PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp" })

/** The environment that arms `crashAt` (none when undefined). */
export const crashEnv = (crashAt: string | undefined) =>
  crashAt !== undefined
    ? { KUBEADM_TS_TEST_CRASH_AT: crashAt, KUBEADM_TS_TEST_CRASH_CONFIRM: CRASH_CONFIRM_PHRASE }
    : {}

/** The built CLI with `args`; `crashAt` arms one crash point (or `trace`). */
export const runJoin = (args: ReadonlyArray<string>, crashAt?: string, timeoutMs = 120_000): Promise<ChildRun> =>
  runChild(process.execPath, [CLI, ...args], {
    timeoutMs,
    env: { ...baseEnv(), ...crashEnv(crashAt) }
  })

/**
 * The kill points of a traced run's stderr, in order, deduplicated. A file named after the
 * time (the kubelet's `kubelet-client-<date>.pem`) becomes a pattern, so it matches the
 * name the killed run will choose; `tracedNode` (the traced machine's node name) is dropped
 * from API operations.
 */
export const pointsOfTrace = (stderr: string, tracedNode: string): Array<KillPoint> => {
  const seen = new Set<string>()
  for (const line of stderr.split("\n")) {
    const m = /^\[crash-point\] (.+)$/.exec(line)
    if (m?.[1] === undefined) continue
    // The traced machine's node name is not the killed one's: `api:patch Node` matches any.
    const p = m[1].startsWith("write:")
      ? `${m[1].replace(/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}/, "*")}:${CUT_AT_BYTE}`
      : m[1].replace(` ${tracedNode}`, "")
    seen.add(p)
  }
  return [...seen]
}

/**
 * A deterministic subset covering every kind: the middle point of each kind (the full list
 * runs in `npm run soak -- kill`).
 */
export const ciSubset = (points: ReadonlyArray<KillPoint>): Array<KillPoint> => {
  const chosen = new Set<KillPoint>()
  for (const kind of ["phase", "write", "api", "etcd"] as const) {
    const of = points.filter((p) => kindOf(p) === kind)
    const p = of[Math.floor(of.length / 2)]
    if (p !== undefined) chosen.add(p)
  }
  return points.filter((p) => chosen.has(p))
}

/** Files under `dir` (relative), with their sizes; symlinks are listed with size -1. */
export const filesWithSizes = async (dir: string): Promise<Map<string, number>> => {
  const out = new Map<string, number>()
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  for (const e of entries) {
    // what the join writes are regular files and symlinks (a kubelet's sockets are not its to check)
    if (!e.isFile() && !e.isSymbolicLink()) continue
    const full = join(e.parentPath, e.name)
    const st = await lstat(full)
    out.set(full.slice(dir.length + 1), st.isSymbolicLink() ? -1 : st.size)
  }
  return out
}

/**
 * What a converged machine must not hold, among the files the join wrote (`before` is the
 * machine before it): a temp file, a zero-length file, a PEM without its END line, a
 * kubeconfig or manifest cut short (no trailing newline), unparsable JSON. Returns the problems.
 */
export const tornFiles = async (rootfs: string, before: ReadonlyMap<string, number>): Promise<Array<string>> => {
  const problems: Array<string> = []
  for (const [path, size] of await filesWithSizes(rootfs)) {
    if (before.get(path) === size) continue
    if (/\.tmp-[0-9a-f]+$/.test(path)) problems.push(`${path}: a temp file left`)
    if (size === -1) continue
    if (size === 0) {
      problems.push(`${path}: zero length`)
      continue
    }
    const text = await readFile(join(rootfs, path), "utf8")
    // (etcd's own data files hold PEM text too, inside binary records: only the join's files count)
    if (
      /\.(crt|key|pem|pub|conf)$/.test(path) &&
      /-----BEGIN [A-Z ]+-----/.test(text) &&
      !/-----END [A-Z ]+-----\s*$/.test(text)
    )
      problems.push(`${path}: a PEM cut short`)
    if (/\.(conf|yaml|env)$/.test(path) && !text.endsWith("\n")) problems.push(`${path}: cut short`)
    if (path.endsWith(".json")) {
      try {
        JSON.parse(text)
      } catch {
        problems.push(`${path}: not JSON`)
      }
    }
  }
  return problems
}

/** What one kill point came to. */
export interface KillOutcome {
  readonly point: KillPoint
  /** The first run was killed at the point (false: it ended before reaching it). */
  readonly killed: boolean
  readonly rerunCode: number | null
  /** Why it did not converge; empty when it did. */
  readonly problems: ReadonlyArray<string>
  /** The killed run left its join-in-progress record (it had changed the machine). */
  readonly recordLeft: boolean
  /** The re-run printed what it resumes. */
  readonly resumedNote: boolean
  /** Wall time of the kill and the re-run (printed, never asserted). */
  readonly seconds: number
}

/** Per-point machine and cluster checks a harness user supplies. */
export interface KillTarget {
  /** A fresh machine: the join's arguments, a cleanup, and the checks of a converged join. */
  readonly machine: (label: string) => Promise<{
    readonly nodeName: string
    readonly args: ReadonlyArray<string>
    readonly rootfs: string
    /** How the CLI runs on this machine (default: `runJoin` in this process's network). */
    readonly run?: (args: ReadonlyArray<string>, crashAt?: string) => Promise<ChildRun>
    /** Cluster-side checks (one Node, one healthy etcd member ...): the problems found. */
    readonly converged: () => Promise<ReadonlyArray<string>>
    readonly cleanup: () => Promise<void>
  }>
}

/** Kill at `point`, re-run the same command, check convergence. */
export const killAndRerun = async (target: KillTarget, point: KillPoint, label: string): Promise<KillOutcome> => {
  const m = await target.machine(label)
  const started = Date.now()
  try {
    const before = await filesWithSizes(m.rootfs)
    const run = m.run ?? runJoin
    const first = await run(m.args, point)
    const killed = first.signal === "SIGKILL" && first.stderr.includes(`[crash-point] SIGKILL at `)
    const recordLeft = existsSync(join(m.rootfs, RESUME_RECORD))
    const problems: Array<string> = []
    if (!killed) problems.push(`not killed at ${point}: exit ${String(first.code)} ${first.stderr.slice(-400)}`)
    const again = await run(m.args)
    if (again.code !== 0)
      problems.push(`re-run exit ${String(again.code)}: ${(again.stderr + again.stdout).slice(-1500)}`)
    problems.push(...(await tornFiles(m.rootfs, before)))
    problems.push(...(await m.converged()))
    return {
      point,
      killed,
      rerunCode: again.code,
      recordLeft,
      problems,
      resumedNote: again.stdout.includes("[preflight] Resuming the join of node"),
      seconds: Math.round((Date.now() - started) / 100) / 10
    }
  } finally {
    await m.cleanup()
  }
}

/** Runs `items` through `f`, at most `lanes` at once, keeping the order of the results. */
export const inLanes = async <A, B>(items: ReadonlyArray<A>, lanes: number, f: (a: A, i: number) => Promise<B>) => {
  const results: Array<B> = new Array<B>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await f(items[i] as A, i)
    })
  )
  return results
}

/** One line per kind: tried / killed / converged, for the README's Reliability table. */
export const summary = (outcomes: ReadonlyArray<KillOutcome>) =>
  (["phase", "write", "api", "etcd"] as const).map((kind) => {
    const of = outcomes.filter((o) => kindOf(o.point) === kind)
    return `${kind}: ${of.length} tried, ${of.filter((o) => o.killed).length} killed, ${of.filter((o) => o.problems.length === 0).length} converged`
  })

/** `KUBEADM_TS_KILL_ALL=1` (npm run soak -- kill): every point, not the CI subset. */
export const ALL = process.env["KUBEADM_TS_KILL_ALL"] === "1"
/** The test deadline (generous: the machine may be loaded). */
export const TIMEOUT = ALL ? 3_600_000 : 400_000
/** `KUBEADM_TS_KILL_ONLY=<regex>` narrows the points (to chase one). */
const ONLY = process.env["KUBEADM_TS_KILL_ONLY"]
/** The points to run: the CI subset or all, narrowed by KUBEADM_TS_KILL_ONLY. */
export const select = (points: ReadonlyArray<string>) =>
  (ALL ? [...points] : ciSubset(points)).filter((p) => ONLY === undefined || new RegExp(ONLY).test(p))

/** Prints the outcomes (the figures of the README's Reliability table). */
export const report = (what: string, outcomes: ReadonlyArray<KillOutcome>) => {
  process.stdout.write(`[kill] ${what}: ${summary(outcomes).join("; ")}\n`)
  for (const o of outcomes)
    process.stdout.write(
      `[kill]   ${o.point} (${o.seconds} s): ${o.problems.length === 0 ? "converged" : o.problems.join(" | ")}\n`
    )
}

/** Every outcome converged, was killed where armed, and printed its resume note. */
export const expectConverged = (outcomes: ReadonlyArray<KillOutcome>) => {
  for (const o of outcomes) {
    expect(o.problems, o.point).toEqual([])
    expect(o.killed, o.point).toBe(true)
    // Killed before its first change (or while writing the record itself), a run leaves nothing to resume.
    expect(o.resumedNote, `${o.point}: the re-run says what it resumes, when there is something`).toBe(o.recordLeft)
  }
}
