/**
 * Worker joins at scale: N joins at once against one control plane (the testkit launcher in its
 * own process, and the real API server with `KUBEADM_TS_BENCH_REAL=1`, root only), through the
 * library in this one process for N = 10, 50, 200 (`KUBEADM_TS_BENCH_SCALE=10,50` picks others),
 * and N = 20 as CLI processes. Each join has its own fake worker rootfs and `--self-tls-bootstrap`.
 * Reported per N: failures, joins per second, p50 / p99 latency, the CPU time per join and this
 * process's peak RSS. The goal is linear: the cost per join stays flat as N grows.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join as joinPath } from "node:path"
import { Effect, Either, Layer } from "effect"
import {
  dropBootstrapKubeconfig,
  joinLayer,
  output,
  sweepTempFiles,
  withTimeouts,
  workerWorkflow
} from "@kubeadm-ts/join"
import { defaultJoinFlags, liveLoadEnv, loadJoin } from "@kubeadm-ts/join/config"
import { PhaseReporter, run, skip } from "@kubeadm-ts/workflow"
import { type Cluster, IGNORE_PREFLIGHT, NotAvailable, startCluster } from "./join.js"
import {
  type Bench,
  cliBundle,
  ensureBuilt,
  fmt,
  otherProcessCpuMs,
  printTable,
  processCpuMs,
  record,
  runChild,
  summarise
} from "./measure.js"
import { makeWorkerMachine } from "../src/node/worker-machine.js"

const JOIN_TIMEOUT_MS = 600_000
const quiet = output.layerTest({ info: () => Effect.void, warn: () => Effect.void, detail: () => Effect.void })
const noReporter = Layer.succeed(PhaseReporter, { report: () => Effect.void })

/** One worker join through the library, as the CLI runs it (its checks, phases and timeouts). */
const libraryJoin = (cluster: Cluster, rootfs: string, nodeName: string): Promise<void> => {
  const loaded = loadJoin(
    {
      ...defaultJoinFlags,
      apiServerEndpoint: cluster.endpoint,
      token: cluster.token,
      discoveryTokenCaCertHash: [cluster.caHash],
      rootfs,
      nodeName,
      selfTlsBootstrap: true,
      ignorePreflightErrors: IGNORE_PREFLIGHT.split(","),
      changed: new Set(["token", "discovery-token-ca-cert-hash", "rootfs", "node-name", "ignore-preflight-errors"])
    },
    liveLoadEnv
  )
  if (Either.isLeft(loaded)) return Promise.reject(new Error(loaded.left.message))
  const { config, options } = loaded.right
  const selected = Either.flatMap(withTimeouts(config.timeouts)(workerWorkflow), skip(options.skipPhases))
  if (Either.isLeft(selected)) return Promise.reject(new Error(String(selected.left)))
  return Effect.runPromise(
    sweepTempFiles.pipe(
      Effect.zipRight(run(selected.right)),
      Effect.onError(() => dropBootstrapKubeconfig),
      Effect.provide(Layer.merge(joinLayer({ config, options }, { output: quiet }), noReporter)),
      Effect.timeout(JOIN_TIMEOUT_MS),
      Effect.mapError((e) => new Error(e.message))
    )
  )
}

/** One CLI join in a child process (GNU time gives its CPU time and peak RSS). */
const cliJoin = async (cluster: Cluster, rootfs: string, nodeName: string) => {
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
      `--ignore-preflight-errors=${IGNORE_PREFLIGHT}`
    ],
    { timeoutMs: JOIN_TIMEOUT_MS }
  )
  if (r.code !== 0) throw new Error(`exit ${r.code ?? "signal"}: ${(r.stderr.trim() || r.stdout.trim()).slice(-300)}`)
  return r
}

interface Round {
  readonly target: string
  readonly how: string
  readonly n: number
  readonly failures: number
  readonly firstFailure: string | undefined
  readonly batchMs: number
  readonly latencies: ReadonlyArray<number>
  readonly cpuPerJoinMs: number
  /** CPU time of the control plane's process per join (the testkit launcher, or the real API server's node). */
  readonly serverCpuPerJoinMs: number | undefined
  readonly peakRssMiB: number
}

const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN
}

/** N joins at once; each in its own fresh rootfs (made before the clock starts). */
const round = async (
  target: string,
  how: "library" | "CLI",
  cluster: Cluster,
  n: number,
  tag: string
): Promise<Round> => {
  const rootfses = await Promise.all(
    Array.from({ length: n }, () => makeWorkerMachine({ prefix: "kubeadm-ts-bench-scale-" }))
  )
  try {
    const latencies: Array<number> = []
    const cpu: Array<number> = []
    const rss: Array<number> = []
    const failures: Array<string> = []
    const cpuBefore = processCpuMs()
    const serverBefore = await otherProcessCpuMs(cluster.pid)
    const started = performance.now()
    await Promise.all(
      rootfses.map(async (rootfs, i) => {
        const t = performance.now()
        try {
          if (how === "library") await libraryJoin(cluster, rootfs, `${tag}-${i}`)
          else {
            const r = await cliJoin(cluster, rootfs, `${tag}-${i}`)
            if (r.cpuMs !== undefined) cpu.push(r.cpuMs)
            if (r.peakRssMiB !== undefined) rss.push(r.peakRssMiB)
          }
          latencies.push(performance.now() - t)
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e))
        }
      })
    )
    const batchMs = performance.now() - started
    const ownCpu = processCpuMs() - cpuBefore
    const serverAfter = await otherProcessCpuMs(cluster.pid)
    return {
      target,
      how,
      n,
      failures: failures.length,
      firstFailure: failures[0],
      batchMs,
      latencies,
      cpuPerJoinMs: how === "library" ? ownCpu / n : summarise(cpu).median,
      serverCpuPerJoinMs:
        serverBefore === undefined || serverAfter === undefined ? undefined : (serverAfter - serverBefore) / n,
      peakRssMiB: how === "library" ? process.resourceUsage().maxRSS / 1024 : summarise(rss).median
    }
  } finally {
    await Promise.all(rootfses.map((r) => rm(r, { recursive: true, force: true })))
  }
}

const sizes = (): ReadonlyArray<number> =>
  (process.env["KUBEADM_TS_BENCH_SCALE"] ?? "10,50,200")
    .split(",")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)

export const scale: Bench = {
  name: "scale",
  description: "N worker joins at once (library: 10, 50, 200; CLI: 20) against the testkit and the real API server",
  run: async () => {
    await ensureBuilt()
    const targets = [
      { name: "testkit", real: false },
      ...(process.env["KUBEADM_TS_BENCH_REAL"] === "1" ? [{ name: "real API server", real: true }] : [])
    ]
    const rounds: Array<Round> = []
    for (const target of targets) {
      const dir = await mkdtemp(joinPath(tmpdir(), "kubeadm-ts-bench-scale-cluster-"))
      let cluster: Cluster | undefined
      try {
        cluster = await startCluster(dir, { real: target.real })
        const c = cluster
        await round(target.name, "library", c, 1, "warmup") // loads the join's modules once
        let k = 0
        for (const n of sizes()) rounds.push(await round(target.name, "library", c, n, `lib${k++}`))
        rounds.push(await round(target.name, "CLI", c, 20, "cli"))
      } catch (e) {
        if (!(e instanceof NotAvailable)) throw e
        console.log(`\n### Scale (${target.name})\n\nnot available: ${e.message}`)
      } finally {
        await cluster?.stop()
        await rm(dir, { recursive: true, force: true })
      }
    }
    printTable(
      "Worker joins at once (--self-tls-bootstrap, each into its own fake worker rootfs)",
      [
        "target",
        "how",
        "N",
        "failures",
        "batch s",
        "joins/s",
        "p50 ms",
        "p99 ms",
        "CPU ms per join",
        "launcher CPU ms per join",
        "peak RSS MiB"
      ],
      rounds.map((r) => [
        r.target,
        r.how,
        String(r.n),
        String(r.failures),
        fmt(r.batchMs / 1000, 2),
        fmt((r.n - r.failures) / (r.batchMs / 1000), 1),
        fmt(percentile(r.latencies, 0.5), 0),
        fmt(percentile(r.latencies, 0.99), 0),
        fmt(r.cpuPerJoinMs, 0),
        fmt(r.serverCpuPerJoinMs, 0),
        fmt(r.peakRssMiB, 0)
      ])
    )
    for (const r of rounds.filter((r) => r.firstFailure !== undefined))
      console.log(`first failure (${r.target}, ${r.how}, N=${r.n}): ${r.firstFailure ?? ""}`)
    for (const r of rounds) {
      const label = `${r.n} worker joins at once (${r.how}, ${r.target})`
      record({
        bench: "scale",
        name: `${label}, failures`,
        value: r.failures,
        unit: "",
        goal: "0",
        met: r.failures === 0
      })
      record({ bench: "scale", name: `${label}, joins/s`, value: (r.n - r.failures) / (r.batchMs / 1000), unit: "/s" })
      record({ bench: "scale", name: `${label}, p50`, value: percentile(r.latencies, 0.5), unit: "ms" })
      record({ bench: "scale", name: `${label}, p99`, value: percentile(r.latencies, 0.99), unit: "ms" })
      record({
        bench: "scale",
        name: `${label}, CPU per join`,
        value: r.cpuPerJoinMs,
        unit: "ms",
        goal: "flat as N grows"
      })
    }
  }
}
