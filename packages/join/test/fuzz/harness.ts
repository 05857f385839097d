/**
 * The fuzz harness: one fast-check property per decoder of outside input, whose only allowed
 * outcomes are a valid value or the decoder's typed error. A throw, a defect or a run past its
 * deadline fails the property. `KUBEADM_TS_FUZZ_RUNS` sets the cases per decoder (CI: 1,000;
 * `npm run fuzz`: 100,000); `KUBEADM_TS_FUZZ_REPORT` names a file the counts are appended to;
 * with `KUBEADM_TS_FUZZ_SAVE=1` a failing input is added to the corpus, which `replayCorpus`
 * replays as regression tests on every run.
 */
import fc from "fast-check"
import { createHash } from "node:crypto"
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as vm from "node:vm"
import { it } from "vitest"

/** A decoder's verdict on one input: it gave a valid value, or its own typed error. */
export type Outcome = "value" | "error"

/** One decoder under fuzz: its generator, its check, and how an input is kept as a corpus file. */
export interface FuzzTarget<A> {
  readonly name: string
  readonly arbitrary: fc.Arbitrary<A>
  /** Runs the decoder; returns the outcome, or throws when the outcome is not allowed. */
  readonly check: (input: A) => Outcome | Promise<Outcome>
  readonly encode: (input: A) => string
  readonly decode: (file: string) => A
}

/** Cases per decoder: 1,000 in CI, more with `KUBEADM_TS_FUZZ_RUNS` (`npm run fuzz -- --runs N`). */
export const fuzzRuns = (): number => Number(process.env["KUBEADM_TS_FUZZ_RUNS"] ?? "1000")

/** One case's deadline: far above a decoder's real cost (microseconds to milliseconds); only a hang gets there. */
export const CASE_DEADLINE_MS = 10_000

const corpusRoot = fileURLToPath(new URL("./corpus/", import.meta.url))

const context = vm.createContext({ run: undefined, out: undefined })
const script = new vm.Script("out = run()")

/**
 * Runs `f` synchronously under a watchdog: V8 stops it after `ms` (a loop that never ends
 * becomes ERR_SCRIPT_EXECUTION_TIMEOUT instead of a test run that never ends).
 */
export const withinDeadline = <A>(f: () => A, ms = CASE_DEADLINE_MS): A => {
  context["run"] = f
  try {
    script.runInContext(context, { timeout: ms })
    return context["out"] as A
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT")
      throw new Error(`hang: the decoder ran past its ${ms} ms deadline`, { cause: e })
    throw e
  } finally {
    context["run"] = undefined
    context["out"] = undefined
  }
}

/** A promise that fails when `ms` pass first (for decoders that are Effects with async steps). */
export const promiseWithinDeadline = async <A>(p: (signal: AbortSignal) => Promise<A>, ms = CASE_DEADLINE_MS) => {
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort()
      reject(new Error(`hang: the decoder ran past its ${ms} ms deadline`))
    }, ms)
  })
  try {
    return await Promise.race([p(abort.signal), deadline])
  } finally {
    clearTimeout(timer)
  }
}

const short = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text)

const saveToCorpus = (name: string, file: string): string => {
  const dir = join(corpusRoot, name)
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${createHash("sha256").update(file).digest("hex").slice(0, 16)}.txt`)
  writeFileSync(path, file)
  return path
}

/** Runs `fuzzRuns()` cases of `target` as one test, and records the counts. */
export const fuzz = <A>(target: FuzzTarget<A>): void => {
  const runs = fuzzRuns()
  // Generous: about 1 ms a case in CI sizes; the big runs take what they take.
  it(
    `fuzz ${target.name}: a typed error or a valid value, ${runs} cases`,
    { timeout: 60_000 + runs * 50 },
    async () => {
      const counts: Record<Outcome, number> = { value: 0, error: 0 }
      const started = Date.now()
      const result = await fc.check(
        fc.asyncProperty(target.arbitrary, async (input) => {
          // timers now and then: vitest's worker reports through them, and a long run of
          // synchronous cases would starve it ("Timeout calling onTaskUpdate")
          if ((counts.value + counts.error) % 25 === 0) await new Promise((resolve) => setImmediate(resolve))
          counts[await target.check(input)]++
        }),
        { numRuns: runs, endOnFailure: true }
      )
      const report = process.env["KUBEADM_TS_FUZZ_REPORT"]
      if (report !== undefined && report !== "")
        appendFileSync(
          report,
          JSON.stringify({
            decoder: target.name,
            cases: result.numRuns,
            values: counts.value,
            typedErrors: counts.error,
            failed: result.failed,
            seconds: (Date.now() - started) / 1000
          }) + "\n"
        )
      if (result.failed) {
        const example = result.counterexample?.[0]
        const file = example === undefined ? "" : target.encode(example)
        const saved = process.env["KUBEADM_TS_FUZZ_SAVE"] === "1" ? saveToCorpus(target.name, file) : undefined
        throw new Error(
          `${target.name}: an input the decoder does not handle (seed ${result.seed}, path ${result.counterexamplePath ?? ""})${
            saved === undefined ? "" : `, saved to ${saved}`
          }:\n${short(JSON.stringify(file))}\n${String(result.errorInstance)}`,
          { cause: result.errorInstance }
        )
      }
    }
  )
}

/** Every input of the target's corpus folder replayed as its own regression test. */
export const replayCorpus = <A>(target: FuzzTarget<A>): void => {
  const dir = join(corpusRoot, target.name)
  const files = existsSync(dir) ? readdirSync(dir).sort() : []
  for (const name of files)
    it(`corpus ${target.name}/${name}`, async () => {
      await target.check(target.decode(readFileSync(join(dir, name), "utf8")))
    })
}

/** The corpus folder's file count per target (tests that the corpus is there at all). */
export const corpusSize = (name: string): number => {
  const dir = join(corpusRoot, name)
  return existsSync(dir) ? readdirSync(dir).length : 0
}
