/**
 * What the comparison produces: one item per compared thing (a file, a field of a cluster
 * object, an output line, a failure's exit code), identical or different, and the rendering of
 * the items as a table, as JSON and as the summary line.
 */

/** The part of a join an item belongs to. */
export type Area = "files" | "objects" | "output" | "failures" | "time"

/** How an item came out: equal, different with a README entry saying why, or different with none. */
export type Status = "identical" | "explained" | "unexplained"

/** One compared thing of one case. */
export interface Item {
  readonly case: string
  readonly area: Area
  /** What was compared, e.g. a path, `Node labels`, `exit code`. */
  readonly name: string
  readonly status: Status
  /** The difference in one line ("" when identical). */
  readonly difference: string
  /** The README entry that explains it. */
  readonly explainedBy?: string
}

/** A difference before it is matched against the README's entries. */
export interface Difference {
  readonly name: string
  readonly difference: string
}

/** The wall time of each tool for one case (informational: not a compared item). */
export interface Timing {
  readonly case: string
  readonly kubeadmMs: number
  readonly kubeadmTsMs: number
}

/** The result of a whole run. */
export interface Report {
  readonly kubeadmVersion: string
  readonly items: ReadonlyArray<Item>
  readonly timings: ReadonlyArray<Timing>
}

/** The counts of the summary line. */
export interface Counts {
  readonly compared: number
  readonly identical: number
  readonly explained: number
  readonly unexplained: number
}

/** Counts the items by status. */
export const counts = (items: ReadonlyArray<Item>): Counts => ({
  compared: items.length,
  identical: items.filter((i) => i.status === "identical").length,
  explained: items.filter((i) => i.status === "explained").length,
  unexplained: items.filter((i) => i.status === "unexplained").length
})

/** `N of M compared items identical; K differences explained; U unexplained`. */
export const summaryLine = (items: ReadonlyArray<Item>): string => {
  const c = counts(items)
  return `${c.identical} of ${c.compared} compared items identical; ${c.explained} differences explained; ${c.unexplained} unexplained`
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** One row per case and area (identical items folded into a count), then one per difference, then the timings. */
export const table = (report: Report): string => {
  const rows: Array<[string, string, string, string]> = []
  const cases = [...new Set(report.items.map((i) => i.case))]
  for (const c of cases) {
    const ofCase = report.items.filter((i) => i.case === c)
    for (const area of [...new Set(ofCase.map((i) => i.area))]) {
      const inArea = ofCase.filter((i) => i.area === area)
      const same = inArea.filter((i) => i.status === "identical")
      if (same.length > 0) rows.push([c, area, "identical", `${same.length} of ${inArea.length} items`])
      for (const d of inArea.filter((i) => i.status !== "identical"))
        rows.push([
          c,
          area,
          d.status === "explained" ? `different (explained: ${d.explainedBy ?? ""})` : "different (UNEXPLAINED)",
          `${d.name}: ${d.difference}`
        ])
    }
  }
  for (const t of report.timings)
    rows.push([t.case, "time", "-", `kubeadm ${seconds(t.kubeadmMs)}, kubeadm-ts ${seconds(t.kubeadmTsMs)}`])
  const header: [string, string, string, string] = ["case", "area", "result", "difference"]
  const cell = (s: string) => s.replaceAll("|", "\\|")
  return [
    `kubeadm ${report.kubeadmVersion} vs kubeadm-ts`,
    "",
    `| ${header.join(" | ")} |`,
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
    "",
    summaryLine(report.items)
  ].join("\n")
}
