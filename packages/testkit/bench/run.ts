/**
 * Runs the benchmarks and prints their tables, then one summary table of every figure beside its
 * goal (issue 15) and the real kubeadm's. `npm run bench` runs all; `npm run bench -- startup
 * crypto --runs 20` selects some and sets the repetitions; `--json FILE` writes the summary's figures.
 */
import { availableParallelism, cpus, loadavg } from "node:os"
import { crypto } from "./crypto.js"
import { join } from "./join.js"
import { writeFile } from "node:fs/promises"
import { controlPlane } from "./control-plane.js"
import { type Bench, figures, fmt, printTable } from "./measure.js"
import { scale } from "./scale.js"
import { startup } from "./startup.js"

const benches: ReadonlyArray<Bench> = [startup, crypto, join, controlPlane, scale]

const usage = (): string =>
  [
    "usage: npm run bench -- [name ...] [--runs N] [--json FILE]",
    "",
    ...benches.map((b) => `  ${b.name.padEnd(8)} ${b.description}`)
  ].join("\n")

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const names: Array<string> = []
  let runs: number | undefined
  let json: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ""
    if (a === "-h" || a === "--help") return (console.log(usage()), 0)
    if (a === "--runs" || a.startsWith("--runs=")) {
      const v = Number(a.includes("=") ? a.slice("--runs=".length) : argv[++i])
      if (!Number.isInteger(v) || v < 1) return (console.error("--runs: expected a positive integer\n\n" + usage()), 2)
      runs = v
    } else if (a === "--json" || a.startsWith("--json=")) {
      json = a.includes("=") ? a.slice("--json=".length) : argv[++i]
      if (json === undefined || json === "") return (console.error("--json: expected a file name\n\n" + usage()), 2)
    } else names.push(a)
  }
  const unknown = names.filter((n) => !benches.some((b) => b.name === n))
  if (unknown.length > 0) return (console.error(`unknown benchmark(s): ${unknown.join(", ")}\n\n${usage()}`), 2)
  // Figures depend on the machine and on what else runs on it: say both.
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")
  console.log(
    `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? "?"}), load average ${load}, node ${process.version}`
  )
  const started = new Date().toISOString()
  for (const b of benches.filter((b) => names.length === 0 || names.includes(b.name))) await b.run({ runs })
  printTable(
    "Summary: each figure beside its goal (issue 15) and the real kubeadm's",
    ["bench", "figure", "value", "goal", "met", "real kubeadm", "load"],
    figures.map((f) => [
      f.bench,
      f.name,
      `${fmt(f.value, f.unit === "×" ? 2 : f.unit === "/s" ? 1 : 0)} ${f.unit}`,
      f.goal ?? "",
      f.met === undefined ? "" : f.met ? "yes" : "NO",
      f.kubeadm ?? "",
      fmt(f.load, 2)
    ]),
    2
  )
  if (json !== undefined) {
    const machine = { cpus: availableParallelism(), model: cpus()[0]?.model.trim() ?? "?", node: process.version }
    await writeFile(json, JSON.stringify({ started, machine, loadAverage: loadavg(), figures }, null, 2) + "\n")
    console.log(`\nfigures written to ${json}`)
  }
  return 0
}

process.exitCode = await main(process.argv.slice(2))
