/**
 * The output of two joins, compared: the progress lines in order (an LCS alignment, each
 * unaligned pair one difference), the warnings as a set, and the final banner.
 */
import type { Difference } from "./items.js"
import { KLOG_HEADER, normalise, type Side } from "./normalise.js"

/** What a join printed, split the way the comparison reads it. */
export interface Printed {
  /** stdout lines before the banner (phase lines and what kubeadm prints between them). */
  readonly progress: ReadonlyArray<string>
  /** `[WARNING ...]` lines and klog warnings/errors, from either stream. */
  readonly warnings: ReadonlyArray<string>
  /** From `This node has joined the cluster` to the end of stdout. */
  readonly banner: string
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes, as kubeadm's system verification prints them
const ANSI = /\u001b\[[0-9;]*m/g

/** The control-plane check's lines say which component answered first: an order of no meaning. */
const HEALTHY = /^\[control-plane-check\] \S+ is healthy after /

/**
 * kubeadm generates a joining control plane's certificates walking a Go map, so their
 * `[certs] Generating "x"` lines (each with its `serving cert is signed` line) come in a new
 * order every run; the control-plane check's "is healthy" lines come as the components answer:
 * each run of them is sorted by name.
 */
export const certsInOrder = (lines: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  let blocks: Array<Array<string>> = []
  const flush = () => {
    out.push(...blocks.sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? "")).flat())
    blocks = []
  }
  for (const line of lines) {
    if (line.startsWith('[certs] Generating "') || HEALTHY.test(line)) blocks.push([line])
    else if (/^\[certs\] \S+ serving cert is signed for /.test(line) && blocks.length > 0) blocks.at(-1)?.push(line)
    else {
      flush()
      out.push(line)
    }
  }
  flush()
  return out
}

/** Splits and normalises one run's output. */
export const printed = (stdout: string, stderr: string, side: Side): Printed => {
  const lines = (s: string) =>
    normalise(s.replace(ANSI, ""), side)
      .split("\n")
      .map((l) => l.trimEnd())
  const out = lines(stdout)
  const bannerAt = out.findIndex((l) => /^This node has joined the cluster/.test(l))
  const before = bannerAt < 0 ? out : out.slice(0, bannerAt)
  const isWarning = (l: string) => /\[WARNING /.test(l) || /^[WE]\d{4} /.test(l)
  return {
    progress: certsInOrder(before.filter((l) => l.trim() !== "" && !isWarning(l)).map((l) => l.trim())),
    warnings: [...out, ...lines(stderr)].filter(isWarning).map((l) => l.trim().replace(KLOG_HEADER, "klog: ")),
    banner: bannerAt < 0 ? "" : out.slice(bannerAt).join("\n").trim()
  }
}

type Compared = Difference & { readonly identical: boolean }

/** Two unaligned lines that agree on this many first characters are shown as one changed line. */
const PAIRED_PREFIX = 25

/** Aligns two line lists (longest common subsequence); unaligned lines are paired in order within each gap. */
export const alignLines = (a: ReadonlyArray<string>, b: ReadonlyArray<string>, what: string): Array<Compared> => {
  const n = a.length
  const m = b.length
  // lcs(i, j): the longest common subsequence of a[i..] and b[j..], in a flat table
  const table = new Int32Array((n + 1) * (m + 1))
  const lcs = (i: number, j: number) => table[i * (m + 1) + j] ?? 0
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i * (m + 1) + j] = a[i] === b[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1))
  const items: Array<Compared> = []
  let gapA: Array<string> = []
  let gapB: Array<string> = []
  const flush = () => {
    // a line each side that starts the same is one changed line; any other is one side's only
    const restB = [...gapB]
    for (const x of gapA) {
      const k = restB.findIndex((y) => y.slice(0, PAIRED_PREFIX) === x.slice(0, PAIRED_PREFIX))
      const y = k >= 0 ? restB.splice(k, 1)[0] : undefined
      items.push({
        name: what,
        identical: false,
        difference: y === undefined ? `kubeadm only: ${x}` : `kubeadm: ${x} | kubeadm-ts: ${y}`
      })
    }
    for (const y of restB) items.push({ name: what, identical: false, difference: `kubeadm-ts only: ${y}` })
    gapA = []
    gapB = []
  }
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush()
      items.push({ name: what, identical: true, difference: "" })
      i++
      j++
    } else if (j >= m || (i < n && lcs(i + 1, j) >= lcs(i, j + 1))) gapA.push(a[i++] ?? "")
    else gapB.push(b[j++] ?? "")
  }
  flush()
  return items
}

/** Warnings compared as a multiset: each one both printed is identical, the rest paired in order. */
const compareWarnings = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): Array<Compared> => {
  const rest = [...b]
  const onlyA: Array<string> = []
  const items: Array<Compared> = []
  for (const w of a) {
    const k = rest.indexOf(w)
    if (k >= 0) {
      rest.splice(k, 1)
      items.push({ name: "warning", identical: true, difference: "" })
    } else onlyA.push(w)
  }
  return [...items, ...alignLines(onlyA, rest, "warning")]
}

/** Every output item of a case. */
export const compareOutput = (kubeadm: Printed, kubeadmTs: Printed): Array<Compared> => [
  ...alignLines(kubeadm.progress, kubeadmTs.progress, "progress line"),
  ...compareWarnings(kubeadm.warnings, kubeadmTs.warnings),
  {
    name: "banner",
    identical: kubeadm.banner === kubeadmTs.banner,
    difference:
      kubeadm.banner === kubeadmTs.banner
        ? ""
        : (alignLines(kubeadm.banner.split("\n"), kubeadmTs.banner.split("\n"), "banner").find((d) => !d.identical)
            ?.difference ?? "differs")
  }
]
