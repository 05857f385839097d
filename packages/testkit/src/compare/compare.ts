/**
 * `npm run compare`: the real kubeadm and kubeadm-ts side by side on one real cluster. Every
 * case (or those named) runs on the same cluster; the items go to a table on stdout, with the
 * summary line last, and, with `--json FILE`, to a JSON file.
 */
import { readFileSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import type { RealClusterService } from "../real/real-cluster.js"
import { runCase, SUCCESS_CASES } from "./cases.js"
import { readmeIds } from "./explanations.js"
import { runFailures } from "./failures.js"
import type { Item, Report, Timing } from "./items.js"

/** Every case name `--cases` takes, in the order they run (the control-plane ones last: they add etcd members). */
export const CASE_NAMES = [
  ...SUCCESS_CASES.map((c) => c.name).filter((n) => !n.startsWith("control-plane")),
  "failures",
  ...SUCCESS_CASES.map((c) => c.name).filter((n) => n.startsWith("control-plane"))
]

/** The README's explained ids. */
export const explainedIds = (readmePath: string): ReadonlySet<string> => readmeIds(readFileSync(readmePath, "utf8"))

/** Runs the named cases on the cluster and gathers the report. */
export const compare = async (
  cluster: RealClusterService,
  options: {
    readonly cases: ReadonlyArray<string>
    readonly ids: ReadonlySet<string>
    readonly log?: (s: string) => void
  }
): Promise<Report> => {
  const items: Array<Item> = []
  const timings: Array<Timing> = []
  for (const name of CASE_NAMES.filter((n) => options.cases.includes(n))) {
    options.log?.(`[compare] ${name}`)
    if (name === "failures") {
      const r = await runFailures(cluster, options.ids)
      items.push(...r.items)
      timings.push(r.timing)
      continue
    }
    const c = SUCCESS_CASES.find((s) => s.name === name)
    if (!c) continue
    const r = await runCase(cluster, c, options.ids)
    options.log?.(r.log)
    items.push(...r.items)
    timings.push(r.timing)
  }
  const version = await cluster.kubeadm(["version", "-o", "short"])
  return { kubeadmVersion: version.stdout.trim(), items, timings }
}

/** The report as JSON (`--json FILE`). */
export const writeJson = (path: string, report: Report) => writeFile(path, `${JSON.stringify(report, null, 2)}\n`)
