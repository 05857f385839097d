// `npm run fuzz [-- --runs N] [-- --only name,name]`: the fuzz properties (packages/join/test/fuzz/,
// packages/cli/test/argv.fuzz.test.ts) at N cases per decoder (default 100,000), then the counts.
// An input that fails is added to the corpus (replayed by every `npm test`).
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const args = process.argv.slice(2)
const option = (name) => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (i < 0) return undefined
  return args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : args[i + 1]
}
const runs = Number(option("runs") ?? "100000")
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer, got ${option("runs")}`)
  process.exit(2)
}
const only = option("only")
const dir = mkdtempSync(join(tmpdir(), "kubeadm-ts-fuzz-"))
const report = join(dir, "report.jsonl")
const files = ["packages/join/test/fuzz/", "packages/cli/test/argv.fuzz.test.ts"]
const filter = only === undefined ? [] : ["-t", `fuzz (${only.split(",").join("|")}):`]
const started = Date.now()
const r = spawnSync("npx", ["vitest", "run", ...files, ...filter], {
  stdio: "inherit",
  env: { ...process.env, KUBEADM_TS_FUZZ_RUNS: String(runs), KUBEADM_TS_FUZZ_REPORT: report, KUBEADM_TS_FUZZ_SAVE: "1" }
})
const rows = existsSync(report)
  ? readFileSync(report, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l))
  : []
rmSync(dir, { recursive: true, force: true })
console.log(`\nfuzz: ${runs} cases per decoder, ${((Date.now() - started) / 1000).toFixed(0)} s`)
console.log("decoder              cases     valid  typed errors  failed  seconds")
for (const row of rows)
  console.log(
    `${row.decoder.padEnd(20)} ${String(row.cases).padStart(7)} ${String(row.values).padStart(9)} ${String(row.typedErrors).padStart(13)}  ${String(row.failed).padStart(6)} ${row.seconds.toFixed(1).padStart(8)}`
  )
process.exit(r.status ?? 1)
