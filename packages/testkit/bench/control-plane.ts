/**
 * Control-plane join end to end: the testkit API server with a real etcd (in this process), and
 * `kubeadm-ts join --control-plane` in a child process into a fresh rootfs on its own loopback
 * address, whose etcd static Pod the testkit's watcher runs with the real etcd binary. Reports
 * the wall time, the time without etcd's catch-up (the etcd phase), the PKI's key generation
 * (the certs phase's own line), the phases, the CPU time and the peak RSS of the join process.
 */
import { rm } from "node:fs/promises"
import { initClusterWithEtcd } from "../src/etcd/cluster-with-etcd.js"
import { freeLoopbackAddress } from "../src/etcd/real-etcd.js"
import { watchEtcdStaticPod } from "../src/etcd/static-pod.js"
import { makeWorkerMachine } from "../src/node/worker-machine.js"
import { NotAvailable } from "./join.js"
import {
  type Bench,
  cliBundle,
  ensureBuilt,
  printTable,
  record,
  runChild,
  summarise,
  timingCells,
  timingHeader
} from "./measure.js"

/** Duration.format text ("1s 234ms 567800ns") in ms. */
const UNIT_MS: Record<string, number> = { m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 }
const parseDuration = (text: string): number =>
  [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|m|s)\b/g)].reduce(
    (acc, m) => acc + Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? NaN),
    0
  )

interface CpRun {
  readonly wallMs: number
  readonly cpuMs: number | undefined
  readonly peakRssMiB: number | undefined
  readonly keygenMs: number | undefined
  readonly phases: ReadonlyArray<readonly [string, number]>
}

export const controlPlane: Bench = {
  name: "control-plane",
  description: "control-plane joins (certs, kubeconfigs, etcd member) against the testkit with a real etcd",
  run: async ({ runs = 3 }) => {
    await ensureBuilt()
    const cluster = await initClusterWithEtcd({ kubernetesVersion: "v1.15.12" }).catch((e: unknown) => {
      console.log(`\n### Control-plane join\n\nnot available: ${e instanceof Error ? e.message : String(e)}`)
      return undefined
    })
    if (cluster === undefined) return
    const done: Array<CpRun> = []
    // Every joined member stays up until the end: the next join's check-etcd dials them all.
    const machines: Array<{ readonly rootfs: string; readonly etcd: ReturnType<typeof watchEtcdStaticPod> }> = []
    try {
      for (let i = 0; i < runs; i++) {
        const nodeName = `bench-cp-${i}`
        const address = await freeLoopbackAddress([2379, 2380, 2381, 6443, 10250, 10257, 10259])
        const rootfs = await makeWorkerMachine({ prefix: "kubeadm-ts-bench-cp-" })
        const etcd = watchEtcdStaticPod(rootfs, address)
        machines.push({ rootfs, etcd })
        const r = await runChild(
          process.execPath,
          [
            cliBundle,
            ...cluster.joinCommands.controlPlane,
            "--rootfs",
            rootfs,
            "--node-name",
            nodeName,
            "--apiserver-advertise-address",
            address,
            "--self-tls-bootstrap",
            "--ignore-preflight-errors=CRI,NumCPU,Port-10250",
            "--v=1"
          ],
          { timeoutMs: 300_000 }
        )
        if (r.code !== 0)
          throw new NotAvailable(`the control-plane join exited with ${r.code ?? "a signal"}: ${r.stderr.slice(-300)}`)
        const keygen = /generated \d+ \S+ key pairs concurrently in (\d+) ms/.exec(r.stderr)
        done.push({
          wallMs: r.wallMs,
          cpuMs: r.cpuMs,
          peakRssMiB: r.peakRssMiB,
          keygenMs: keygen === null ? undefined : Number(keygen[1]),
          phases: [...r.stderr.matchAll(/^\[phase\] (\S+) done in (.+)$/gm)].map(
            (m) => [m[1] ?? "?", parseDuration(m[2] ?? "")] as const
          )
        })
      }
    } catch (e) {
      if (!(e instanceof NotAvailable)) throw e
      console.log(`\n### Control-plane join\n\nnot available: ${e.message}`)
    } finally {
      for (const m of machines) await m.etcd.stop()
      await cluster.close()
      for (const m of machines) await rm(m.rootfs, { recursive: true, force: true })
    }
    if (done.length === 0) return
    const defined = (xs: ReadonlyArray<number | undefined>) => xs.filter((x): x is number => x !== undefined)
    const phase = (r: CpRun, name: string) => r.phases.find(([p]) => p === name)?.[1] ?? 0
    const withoutEtcd = done.map((r) => r.wallMs - phase(r, "control-plane-join/etcd"))
    const names = [...new Set(done.flatMap((r) => r.phases.map(([n]) => n)))].filter(
      (n) => !/\/all$/.test(n) && n !== "control-plane-prepare" && n !== "control-plane-join"
    )
    printTable(
      `Control-plane join against the testkit with a real etcd, ${done.length} joins one after another (nodes 2, 3, ...)`,
      ["measure", ...timingHeader()],
      [
        ["join wall time (spawn → exit)", ...timingCells(summarise(done.map((r) => r.wallMs)))],
        ["  without etcd's catch-up (the etcd phase)", ...timingCells(summarise(withoutEtcd))],
        [
          "  RSA keys: the certs phase's wait for them",
          ...timingCells(summarise(defined(done.map((r) => r.keygenMs))))
        ],
        ...names.map((n) => [`  phase ${n}`, ...timingCells(summarise(done.map((r) => phase(r, n))))]),
        ["CPU time of the join process", ...timingCells(summarise(defined(done.map((r) => r.cpuMs))))],
        ["peak RSS MiB", ...timingCells(summarise(defined(done.map((r) => r.peakRssMiB))))]
      ]
    )
    const noEtcd = summarise(withoutEtcd).median
    record({
      bench: "control-plane",
      name: "control-plane join (testkit + real etcd, CLI) without etcd's catch-up, wall",
      value: noEtcd,
      unit: "ms",
      goal: "<= 3000 ms (real cluster)",
      met: noEtcd <= 3000,
      kubeadm: "10–45 s (issue 15; side by side: branch s20-compare)"
    })
    record({
      bench: "control-plane",
      name: "control-plane join, RSA keys still to wait for in the certs phase",
      value: summarise(defined(done.map((r) => r.keygenMs))).median,
      unit: "ms",
      goal: "<= 1000 ms (PKI on 2 cores)",
      met: summarise(defined(done.map((r) => r.keygenMs))).median <= 1000
    })
    record({
      bench: "control-plane",
      name: "control-plane join, CPU time",
      value: summarise(defined(done.map((r) => r.cpuMs))).median,
      unit: "ms"
    })
    const rss = summarise(defined(done.map((r) => r.peakRssMiB))).median
    record({
      bench: "control-plane",
      name: "control-plane join, peak RSS (VmHWM)",
      value: rss,
      unit: "MiB",
      goal: "<= 150 MiB",
      met: rss <= 150
    })
  }
}
