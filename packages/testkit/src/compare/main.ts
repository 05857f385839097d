/**
 * The `npm run compare` command: `[--json FILE] [--cases a,b] [--readme PATH] [--log FILE]`.
 * Exits 1 when a difference is unexplained.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { realCluster } from "../real/real-cluster.js"
import { CASE_NAMES, compare, explainedIds, writeJson } from "./compare.js"
import { counts, table } from "./items.js"

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const readme = argValue("--readme") ?? join(dirname(fileURLToPath(import.meta.url)), "../../../../README.md")
const cases = argValue("--cases")?.split(",") ?? CASE_NAMES
const unknown = cases.filter((c) => !CASE_NAMES.includes(c))
if (unknown.length > 0) {
  process.stderr.write(`unknown case(s): ${unknown.join(", ")}; the cases are ${CASE_NAMES.join(", ")}\n`)
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), "kubeadm-ts-compare-"))
const logs: Array<string> = []
const started = Date.now()
const cluster = await realCluster({ dir })
try {
  const report = await compare(cluster, {
    cases,
    ids: explainedIds(readme),
    log: (s) => {
      logs.push(s)
      if (s.startsWith("[compare]")) process.stderr.write(`${s} (${Math.round((Date.now() - started) / 1000)} s)\n`)
    }
  })
  process.stdout.write(`${table(report)}\n`)
  const json = argValue("--json")
  if (json !== undefined) await writeJson(json, report)
  const log = argValue("--log")
  if (log !== undefined) writeFileSync(log, logs.join("\n"))
  process.exitCode = counts(report.items).unexplained > 0 ? 1 : 0
} finally {
  await cluster.close()
  rmSync(dir, { recursive: true, force: true })
}
