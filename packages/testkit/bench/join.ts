/**
 * Worker join end to end: starts the testkit control plane (the launcher bundle, in its own
 * process), then times `kubeadm-ts join` child processes, each into a fresh temp rootfs with
 * `--self-tls-bootstrap`: wall time, start-up and discovery (between the child's own output
 * lines), per-phase times (from the `--v=1` phase lines) and the child's peak RSS. Prints "not available yet: <reason>" and
 * returns normally while the join or the launcher cannot do this yet.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join as joinPath } from "node:path"
import {
  type Bench,
  canMeasureRss,
  cliBundle,
  ensureBuilt,
  floorMs,
  fmt,
  printTable,
  record,
  repoRoot,
  runChild,
  type Summary,
  summarise,
  testkitBundle,
  timingCells,
  timingHeader
} from "./measure.js"
import { makeWorkerMachine } from "../src/node/worker-machine.js"

const ADDRESS = "127.0.3.1"
/**
 * No container runtime runs for the bench (as in `npm start` without containerd), and the
 * concurrent joins share one machine, so they race for the kubelet port 10250 that the
 * Port-10250 check binds for a moment; every other check runs for real.
 */
export const IGNORE_PREFLIGHT = "CRI,Port-10250"
const JOIN_TIMEOUT_MS = 120_000

/** A figure that cannot be taken here (the launcher or the join cannot run); the bench says why and goes on. */
export class NotAvailable extends Error {}

/** A control plane served by the testkit launcher in its own process. */
export interface Cluster {
  readonly endpoint: string
  readonly token: string
  readonly caHash: string
  /** The launcher's process id (its CPU time is read from /proc). */
  readonly pid: number | undefined
  readonly stop: () => Promise<void>
}

/**
 * Starts `kubeadm-ts-testkit serve` (`--real`: the real API server, etcd and controller manager)
 * and reads the endpoint, token and CA hash from its JSON document.
 */
export const startCluster = async (dir: string, options: { readonly real?: boolean } = {}): Promise<Cluster> => {
  const readyWithinMs = options.real === true ? 600_000 : 60_000
  const child: ChildProcess = spawn(
    process.execPath,
    [
      testkitBundle,
      "serve",
      ...(options.real === true ? ["--real"] : ["--address", ADDRESS, "--port", "0"]),
      "--dir",
      dir
    ],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once("exit", r))
    child.kill("SIGTERM")
    const t = setTimeout(() => child.kill("SIGKILL"), 5000)
    await exited
    clearTimeout(t)
  }
  try {
    const doc = await new Promise<unknown>((resolve, reject) => {
      let out = ""
      let err = ""
      const t = setTimeout(
        () =>
          reject(
            new NotAvailable(
              `the testkit launcher printed no JSON document within ${readyWithinMs / 1000} s: ${(out + err).trim().slice(-300)}`
            )
          ),
        readyWithinMs
      )
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        out += d
        const start = out.indexOf("{")
        if (start < 0) return
        try {
          const parsed: unknown = JSON.parse(out.slice(start))
          clearTimeout(t)
          resolve(parsed)
        } catch {
          // not complete yet
        }
      })
      child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d))
      child.once("exit", (code) => {
        clearTimeout(t)
        reject(
          new NotAvailable(
            `the testkit launcher exited (${code}) without a JSON document: ${(out + err).trim().slice(0, 200)}`
          )
        )
      })
    })
    const { endpoint, token, caCertHash: caHash } = (doc ?? {}) as Record<string, unknown>
    if (typeof endpoint !== "string" || typeof token !== "string" || typeof caHash !== "string")
      throw new NotAvailable("the testkit launcher's JSON document lacks endpoint, token or caCertHash")
    // With --real the control plane runs in the launcher's children, whose CPU time /proc/<pid>/stat does not hold.
    return { endpoint, token, caHash, pid: options.real === true ? undefined : child.pid, stop }
  } catch (e) {
    await stop()
    throw e
  }
}

/** Duration.format text ("1s 234ms 567800ns") in ms. */
const UNIT_MS: Record<string, number> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  ns: 1e-6
}
const parseDuration = (text: string): number =>
  [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|d|h|m|s)\b/g)].reduce(
    (acc, m) => acc + Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? NaN),
    0
  )

interface JoinRun {
  readonly wallMs: number
  readonly cpuMs: number | undefined
  readonly startedMs: number | undefined
  readonly discoveryMs: number | undefined
  readonly peakRssMiB: number | undefined
  readonly phases: ReadonlyArray<readonly [string, number]>
}

const joinOnce = async (cluster: Cluster, nodeName: string): Promise<JoinRun> => {
  // A fake worker machine (sysctls, PATH executables, a kubelet that answers --version), so preflight runs its real checks.
  const rootfs = await makeWorkerMachine({ prefix: "kubeadm-ts-bench-rootfs-" })
  try {
    const r = await runChild(
      process.execPath,
      [
        cliBundle,
        "join",
        cluster.endpoint,
        "--token",
        cluster.token,
        "--discovery-token-ca-cert-hash",
        cluster.caHash,
        "--rootfs",
        rootfs,
        "--self-tls-bootstrap",
        "--node-name",
        nodeName,
        `--ignore-preflight-errors=${IGNORE_PREFLIGHT}`,
        "--v=1"
      ],
      {
        timeoutMs: JOIN_TIMEOUT_MS,
        marks: {
          started: /^\[phase\] running /m,
          discoveryStart: /\[discovery\] Trying to connect/,
          discoveryDone: /\[discovery\].*will use API Server/
        }
      }
    )
    if (r.code !== 0) {
      const last = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3).join(" / ")
      throw new NotAvailable(`kubeadm-ts join exited with ${r.code ?? "a signal"}: ${last}`)
    }
    const phases = [...r.stderr.matchAll(/^\[phase\] (\S+) done in (.+)$/gm)].map(
      (m) => [m[1] ?? "?", parseDuration(m[2] ?? "")] as const
    )
    return {
      wallMs: r.wallMs,
      cpuMs: r.cpuMs,
      startedMs: r.marks["started"],
      discoveryMs: between(r.marks["discoveryStart"], r.marks["discoveryDone"]),
      peakRssMiB: r.peakRssMiB,
      phases
    }
  } finally {
    await rm(rootfs, { recursive: true, force: true })
  }
}

const between = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : b - a

const defined = (xs: ReadonlyArray<number | undefined>): Array<number> => xs.filter((x): x is number => x !== undefined)
const row = (label: string, s: Summary): Array<string> => [label, ...timingCells(s)]

export const join: Bench = {
  name: "join",
  description: "worker joins (discovery + TLS bootstrap) against the testkit control plane",
  run: async ({ runs = 5 }) => {
    const dir = await mkdtemp(joinPath(tmpdir(), "kubeadm-ts-bench-testkit-"))
    let cluster: Cluster | undefined
    try {
      await ensureBuilt()
      cluster = await startCluster(dir)
      const c = cluster
      await joinOnce(c, "bench-warmup")
      const seq: Array<JoinRun> = []
      for (let i = 0; i < runs; i++) seq.push(await joinOnce(c, `bench-${i}`))
      const batchStart = performance.now()
      const par = await Promise.all(Array.from({ length: runs }, (_, i) => joinOnce(c, `bench-c${i}`)))
      const batchMs = performance.now() - batchStart

      const phaseNames = [...new Set(seq.flatMap((r) => r.phases.map(([n]) => n)))]
      printTable(
        `Worker join against the testkit (${ADDRESS}), ${runs} sequential joins + ${runs} concurrent, --self-tls-bootstrap`,
        ["measure", ...timingHeader()],
        [
          row("join wall time (spawn → exit)", summarise(seq.map((r) => r.wallMs))),
          row("  until the first phase starts (start-up)", summarise(defined(seq.map((r) => r.startedMs)))),
          row(
            "  discovery ('Trying to connect' → '… will use API Server')",
            summarise(defined(seq.map((r) => r.discoveryMs)))
          ),
          ...phaseNames.map((n) =>
            row(`  phase ${n}`, summarise(seq.flatMap((r) => r.phases.filter(([p]) => p === n).map(([, ms]) => ms))))
          ),
          row("  CPU time of the join process (user + system)", summarise(defined(seq.map((r) => r.cpuMs)))),
          row(`join wall time, ${runs} at once (each)`, summarise(par.map((r) => r.wallMs))),
          row(`  CPU time each, ${runs} at once`, summarise(defined(par.map((r) => r.cpuMs)))),
          [`${runs} joins at once, whole batch`, "1", fmt(batchMs), "", "", ""]
        ]
      )
      const rss = summarise(defined([...seq, ...par].map((r) => r.peakRssMiB)))
      printTable(
        `Peak RSS of the join process (${canMeasureRss ? "GNU time, ru_maxrss" : "n/a: no /usr/bin/time on this machine"})`,
        ["measure", "runs", "median MiB", "p90 MiB", "min MiB", "max MiB"],
        [["kubeadm-ts join", ...timingCells(rss)]]
      )
      const floor = await floorMs()
      const wall = summarise(seq.map((r) => r.wallMs)).median
      record({
        bench: "join",
        name: "worker join (testkit, CLI, --self-tls-bootstrap), wall",
        value: wall,
        unit: "ms",
        goal: `<= 4× node -e '' (${fmt(4 * floor, 0)} ms)`,
        met: wall <= 4 * floor,
        kubeadm: "10–45 s (issue 15; side by side: the compare bench of branch s20-compare)"
      })
      record({
        bench: "join",
        name: "worker join, CPU time (user + system)",
        value: summarise(defined(seq.map((r) => r.cpuMs))).median,
        unit: "ms",
        goal: "cut (was ~800 ms)"
      })
      record({
        bench: "join",
        name: "worker join, start-up (spawn → first phase)",
        value: summarise(defined(seq.map((r) => r.startedMs))).median,
        unit: "ms"
      })
      for (const n of phaseNames)
        record({
          bench: "join",
          name: `worker join, phase ${n}`,
          value: summarise(seq.flatMap((r) => r.phases.filter(([p]) => p === n).map(([, ms]) => ms))).median,
          unit: "ms"
        })
      record({
        bench: "join",
        name: `worker join, ${runs} at once, wall each`,
        value: summarise(par.map((r) => r.wallMs)).median,
        unit: "ms"
      })
      record({
        bench: "join",
        name: "worker join, peak RSS (VmHWM)",
        value: rss.median,
        unit: "MiB",
        goal: "<= 80 MiB",
        met: rss.median <= 80
      })
    } catch (e) {
      if (!(e instanceof NotAvailable)) throw e
      console.log(`\n### Worker join\n\nnot available yet: ${e.message}`)
    } finally {
      await cluster?.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
