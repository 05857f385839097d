/**
 * Runs the benchmarks and prints their tables. `npm run bench` runs all;
 * `npm run bench -- startup crypto --runs 20` selects some and sets the repetitions.
 */
import { availableParallelism, cpus, loadavg } from "node:os"
import { crypto } from "./crypto.js"
import { join } from "./join.js"
import type { Bench } from "./measure.js"
import { startup } from "./startup.js"

const benches: ReadonlyArray<Bench> = [startup, crypto, join]

const usage = (): string =>
  [
    "usage: npm run bench -- [name ...] [--runs N]",
    "",
    ...benches.map((b) => `  ${b.name.padEnd(8)} ${b.description}`)
  ].join("\n")

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const names: Array<string> = []
  let runs: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ""
    if (a === "-h" || a === "--help") return (console.log(usage()), 0)
    if (a === "--runs" || a.startsWith("--runs=")) {
      const v = Number(a.includes("=") ? a.slice("--runs=".length) : argv[++i])
      if (!Number.isInteger(v) || v < 1) return (console.error("--runs: expected a positive integer\n\n" + usage()), 2)
      runs = v
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
  for (const b of benches.filter((b) => names.length === 0 || names.includes(b.name))) await b.run({ runs })
  return 0
}

process.exitCode = await main(process.argv.slice(2))
