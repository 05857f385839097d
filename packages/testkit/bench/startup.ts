/**
 * CLI start-up: wall time and CPU time of the bundle's commands that answer without a cluster
 * (help pages, `version`, a usage error, a validation error), spawned round-robin with
 * `node -e ''` as the floor (what any Node program pays before its first line), and, from one
 * more run of each with an ES-module loader hook, which of the bundle's files it loaded and
 * how many bytes: that figure does not depend on the machine's load.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import {
  type Bench,
  cliBundle,
  ensureBuilt,
  fmt,
  printTable,
  record,
  runChild,
  summarise,
  timingCells,
  timingHeader
} from "./measure.js"

interface Case {
  readonly label: string
  readonly args: ReadonlyArray<string>
  /** Held to the start-up goal (<= 1.5x the floor); the validation error is reported beside it. */
  readonly goal: boolean
}

const cases: ReadonlyArray<Case> = [
  { label: "node -e '' (floor)", args: ["-e", ""], goal: false },
  { label: "kubeadm-ts --help", args: [cliBundle, "--help"], goal: true },
  { label: "kubeadm-ts version", args: [cliBundle, "version"], goal: true },
  { label: "kubeadm-ts join --help", args: [cliBundle, "join", "--help"], goal: true },
  { label: "kubeadm-ts join phase --help", args: [cliBundle, "join", "phase", "--help"], goal: true },
  { label: "kubeadm-ts config --help", args: [cliBundle, "config", "--help"], goal: true },
  { label: "kubeadm-ts join --bogus (usage error)", args: [cliBundle, "join", "--bogus"], goal: true },
  { label: "kubeadm-ts join (validation error)", args: [cliBundle, "join"], goal: false }
]

/** A loader hook (Node >= 20.6) that appends every loaded module's URL to $KUBEADM_TS_BENCH_LOADED. */
const HOOKS = `
import { appendFileSync } from "node:fs"
export async function load(url, context, next) {
  appendFileSync(process.env.KUBEADM_TS_BENCH_LOADED, url + "\\n")
  return next(url, context)
}
`
const REGISTER = (hooks: string) =>
  `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)})`

/** The heavy dependencies, recognised in a minified chunk by a string only they hold. */
const HEAVY: ReadonlyArray<{ readonly name: string; readonly marks: (file: string, text: string) => boolean }> = [
  { name: "effect", marks: (_, t) => t.includes("effect_internal_function") },
  { name: "@effect/cli", marks: (_, t) => t.includes("CommandDescriptor") },
  { name: "yaml", marks: (_, t) => t.includes("YAMLParseError") },
  { name: "x509", marks: (_, t) => t.includes("asn1js") },
  { name: "client-node", marks: (f) => f.startsWith("client-node") },
  { name: "gRPC", marks: (_, t) => t.includes("grpc-node-js") }
]

/** The bundle's files a command loads, and their bytes (ES modules, plus client-node.cjs when read). */
const loadedFiles = async (c: Case, dir: string): Promise<{ files: number; bytes: number; names: string }> => {
  const list = join(dir, `loaded-${Math.random().toString(36).slice(2)}`)
  await writeFile(list, "")
  await runChild(process.execPath, ["--import", join(dir, "register.mjs"), ...c.args], {
    env: { ...process.env, KUBEADM_TS_BENCH_LOADED: list }
  })
  const urls = (await readFile(list, "utf8")).split("\n").filter((u) => u.startsWith("file:") && u.includes("/dist/"))
  const paths = [...new Set(urls.map((u) => fileURLToPath(u)))]
  const bytes = (await Promise.all(paths.map(async (p) => (await stat(p)).size))).reduce((a, b) => a + b, 0)
  const texts = await Promise.all(paths.map(async (p) => ({ p, text: await readFile(p, "utf8") })))
  const heavy = HEAVY.flatMap(({ name, marks }) => {
    const kib =
      texts.filter(({ p, text }) => marks(basename(p), text)).reduce((a, { text }) => a + text.length, 0) / 1024
    return kib > 0 ? [`${name} ${kib.toFixed(0)}K`] : []
  })
  return { files: paths.length, bytes, names: heavy.join(", ") }
}

export const startup: Bench = {
  name: "startup",
  description: "CLI start-up (help pages, version, usage and validation errors) vs the node floor",
  run: async ({ runs = 15 }) => {
    await ensureBuilt()
    const samples = cases.map((c) => ({
      case: c,
      ms: [] as Array<number>,
      cpu: [] as Array<number>,
      rss: [] as Array<number>,
      codes: new Set<number | null>()
    }))
    // One discarded warm-up each (page cache), then round-robin so drift hits every case alike.
    for (const c of cases) await runChild(process.execPath, c.args)
    for (let i = 0; i < runs; i++) {
      for (const s of samples) {
        const r = await runChild(process.execPath, s.case.args)
        s.ms.push(r.wallMs)
        if (r.cpuMs !== undefined) s.cpu.push(r.cpuMs)
        if (r.peakRssMiB !== undefined) s.rss.push(r.peakRssMiB)
        s.codes.add(r.code)
      }
    }
    const dir = await mkdtemp(join(tmpdir(), "kubeadm-ts-bench-loaded-"))
    const loaded: Array<{ files: number; bytes: number; names: string } | undefined> = []
    try {
      await writeFile(join(dir, "hooks.mjs"), HOOKS)
      await writeFile(join(dir, "register.mjs"), REGISTER(join(dir, "hooks.mjs")))
      for (const c of cases) loaded.push(c.args[0] === "-e" ? undefined : await loadedFiles(c, dir))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    // the first case is the floor
    const floor = summarise(samples[0]?.ms ?? []).median
    printTable(
      `CLI start-up, ${process.version}, ${runs} spawns each, round-robin (wall time spawn→exit; CPU from GNU time, 10 ms steps)`,
      [
        "case",
        "exit",
        ...timingHeader(),
        "× floor",
        "CPU ms (median)",
        "peak RSS MiB",
        "bundle files loaded",
        "KiB loaded",
        "heavy modules loaded"
      ],
      samples.map((s, i) => {
        const t = summarise(s.ms)
        const l = loaded[i]
        return [
          s.case.label,
          [...s.codes].join(","),
          ...timingCells(t),
          fmt(t.median / floor, 2),
          fmt(summarise(s.cpu).median, 0),
          fmt(summarise(s.rss).median),
          l === undefined ? "" : String(l.files),
          l === undefined ? "" : fmt(l.bytes / 1024, 0),
          l === undefined ? "" : l.names || "none"
        ]
      })
    )
    record({ bench: "startup", name: "node -e '' (floor)", value: floor, unit: "ms" })
    for (const s of samples.slice(1)) {
      const ratio = summarise(s.ms).median / floor
      record({
        bench: "startup",
        name: `${s.case.label}, × node -e ''`,
        value: ratio,
        unit: "×",
        ...(s.case.goal ? { goal: "<= 1.5×", met: ratio <= 1.5 } : {})
      })
    }
  }
}
