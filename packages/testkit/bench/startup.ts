/**
 * CLI start-up: wall time of `kubeadm-ts version` and `kubeadm-ts join --help` spawned from the
 * bundle, against `node -e ''` as the floor (what any Node program pays before its first line).
 */
import {
  type Bench,
  cliBundle,
  ensureBuilt,
  fmt,
  printTable,
  runChild,
  summarise,
  timingCells,
  timingHeader
} from "./measure.js"

const cases: ReadonlyArray<{ readonly label: string; readonly args: ReadonlyArray<string> }> = [
  { label: "node -e '' (floor)", args: ["-e", ""] },
  { label: "kubeadm-ts version", args: [cliBundle, "version"] },
  { label: "kubeadm-ts join --help", args: [cliBundle, "join", "--help"] }
]

export const startup: Bench = {
  name: "startup",
  description: "CLI start-up (version, join --help) vs the node floor",
  run: async ({ runs = 15 }) => {
    await ensureBuilt()
    const samples = cases.map((c) => ({
      case: c,
      ms: [] as Array<number>,
      rss: [] as Array<number>,
      codes: new Set<number | null>()
    }))
    // One discarded warm-up each (page cache), then round-robin so drift hits every case alike.
    for (const c of cases) await runChild(process.execPath, c.args)
    for (let i = 0; i < runs; i++) {
      for (const s of samples) {
        const r = await runChild(process.execPath, s.case.args)
        s.ms.push(r.wallMs)
        if (r.peakRssMiB !== undefined) s.rss.push(r.peakRssMiB)
        s.codes.add(r.code)
      }
    }
    // the first case is the floor
    const floor = summarise(samples[0]?.ms ?? []).median
    printTable(
      `CLI start-up, ${process.version}, ${runs} spawns each (wall time spawn→exit)`,
      ["case", "exit", ...timingHeader(), "median − floor ms", "peak RSS MiB (median)"],
      samples.map((s) => {
        const t = summarise(s.ms)
        return [
          s.case.label,
          [...s.codes].join(","),
          ...timingCells(t),
          fmt(t.median - floor),
          fmt(summarise(s.rss).median)
        ]
      })
    )
  }
}
