/**
 * Fuzzing the argv parser, in-process from argv to the JoinFlags the join receives: pflag's
 * rules (route, argv.ts), then @effect/cli. Allowed outcomes: a usage error or help page from
 * the router, @effect/cli's ValidationError, or the join runner called with flags. Never a
 * throw, a defect or a hang. The join package's fuzz harness (packages/join/test/fuzz/) has the
 * same rules and environment variables: KUBEADM_TS_FUZZ_RUNS, KUBEADM_TS_FUZZ_REPORT,
 * KUBEADM_TS_FUZZ_SAVE; failing inputs go to test/fuzz-corpus/argv/ and are replayed below.
 */
import { CliConfig, Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Console, Effect, Exit, Layer, Option, Predicate } from "effect"
import fc from "fast-check"
import { createHash } from "node:crypto"
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as vm from "node:vm"
import { describe, it } from "vitest"
import { rootCommand } from "../src/commands.js"
import { joinFlags } from "../src/flag-table.js"
import { joinPhases } from "../src/phase-list.js"
import { route } from "../src/route.js"

const runs = Number(process.env["KUBEADM_TS_FUZZ_RUNS"] ?? "1000")
const DEADLINE_MS = 10_000
const corpus = fileURLToPath(new URL("./fuzz-corpus/argv/", import.meta.url))

const values = fc.oneof(
  fc.constantFrom(
    "",
    "true",
    "false",
    "T",
    "0",
    "1",
    "-1",
    "0x7fffffff",
    "0x80000000",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "0b101",
    "0o17",
    "017",
    "1e3",
    "abcdef.0123456789abcdef",
    "sha256:" + "ab".repeat(32),
    "0a".repeat(32),
    "10.0.0.1:6443",
    "[::1]:6443",
    "a,b",
    '"a,b",c',
    '"unterminated',
    '""',
    "all",
    "preflight,kubelet-start",
    "line\nbreak",
    "cr\rhere",
    "=",
    "--",
    "-",
    "💥",
    "\u0000",
    "\uD800",
    "x".repeat(10_000)
  ),
  fc.string(),
  fc.string({ unit: "binary" })
)

const flagToken = fc.oneof(
  fc.constantFrom(...joinFlags.map((f) => `--${f.name}`)),
  fc.tuple(fc.constantFrom(...joinFlags.map((f) => f.name)), values).map(([n, v]) => `--${n}=${v}`),
  fc.constantFrom("-v", "-v3", "-v=10", "-h", "-hv", "-vh", "-x", "--help", "--", "-", "---x", "--=x", "--X"),
  fc
    .tuple(fc.constantFrom(...joinFlags.map((f) => f.name)), fc.constantFrom("", "-", "_", "=", "=="))
    .map(([n, s]) => `--${n.toUpperCase()}${s}`)
)

const phaseNames = joinPhases.flatMap((p) => [p.name, ...(p.children ?? []).map((c) => c.name)])
const head = fc.oneof(
  { weight: 6, arbitrary: fc.constant(["join"]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...phaseNames), fc.option(fc.constantFrom(...phaseNames, "all"), { nil: undefined }))
      .map(([p, c]) => ["join", "phase", p, ...(c === undefined ? [] : [c])])
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ["version"],
      ["ca-cert-hash"],
      ["config"],
      ["config", "print", "join-defaults"],
      ["completion", "bash"],
      ["__complete", "join", "--"],
      ["help"],
      ["-v"],
      []
    )
  }
)

const argv: fc.Arbitrary<ReadonlyArray<string>> = fc
  .tuple(
    head,
    fc.array(fc.oneof({ weight: 3, arbitrary: flagToken }, { weight: 2, arbitrary: values }), { maxLength: 10 })
  )
  .map(([h, rest]) => [...h, ...rest])

const context = vm.createContext({ run: undefined, out: undefined })
const script = new vm.Script("out = run()")
/** `f` under V8's watchdog: a loop that never ends becomes a thrown timeout. */
const withinDeadline = <A>(f: () => A): A => {
  context["run"] = f
  try {
    script.runInContext(context, { timeout: DEADLINE_MS })
    return context["out"] as A
  } finally {
    context["run"] = undefined
    context["out"] = undefined
  }
}

// @effect/cli prints its errors and help pages: not wanted 1,000 times in the test log.
const quiet = Effect.runSync(Console.consoleWith((c) => Effect.succeed(c)))
const silentConsole: Console.Console = {
  ...quiet,
  log: () => Effect.void,
  error: () => Effect.void,
  info: () => Effect.void,
  warn: () => Effect.void,
  unsafe: {
    ...quiet.unsafe,
    log: () => undefined,
    error: () => undefined,
    info: () => undefined,
    warn: () => undefined
  }
}

type Outcome = "value" | "error"

/** One argv through the router and @effect/cli; throws when the outcome is not allowed. */
const check = async (args: ReadonlyArray<string>): Promise<Outcome> => {
  const r = withinDeadline(() => route(args))
  if ("usageError" in r) {
    if (r.usageError === "") throw new Error("an empty usage error")
    return "error"
  }
  if ("failure" in r) return "error"
  if ("help" in r) return "value"
  const runner = { called: false }
  const cli = Command.run(
    rootCommand(r.changed, () => Effect.sync(() => void (runner.called = true))),
    { name: "kubeadm-ts", version: "test" }
  )
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), DEADLINE_MS)
  const exit = await Effect.runPromiseExit(
    cli(["node", "kubeadm-ts", ...r.argv]).pipe(
      Effect.withConsole(silentConsole),
      Effect.provide(Layer.merge(NodeContext.layer, CliConfig.layer({ isCaseSensitive: true })))
    ),
    { signal: abort.signal }
  ).finally(() => clearTimeout(timer))
  if (Exit.isSuccess(exit)) return "value"
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`a defect or a hang: ${Cause.pretty(exit.cause)}`)
  if (!Predicate.isTagged(failure.value, "ValidationError") && !Predicate.hasProperty(failure.value, "_tag"))
    throw new Error(`an untyped failure: ${String(failure.value)}`)
  if (runner.called) throw new Error("the join ran and the command failed")
  return "error"
}

describe("argv", () => {
  it(`fuzz argv: a usage error or the join's flags, ${runs} cases`, { timeout: 60_000 + runs * 50 }, async () => {
    const counts: Record<Outcome, number> = { value: 0, error: 0 }
    const started = Date.now()
    const result = await fc.check(
      fc.asyncProperty(argv, async (a) => {
        // timers now and then: vitest's worker reports through them, and a long run of
        // synchronous cases would starve it ("Timeout calling onTaskUpdate")
        if ((counts.value + counts.error) % 25 === 0) await new Promise((resolve) => setImmediate(resolve))
        counts[await check(a)]++
      }),
      { numRuns: runs, endOnFailure: true }
    )
    const report = process.env["KUBEADM_TS_FUZZ_REPORT"]
    if (report !== undefined && report !== "")
      appendFileSync(
        report,
        JSON.stringify({
          decoder: "argv",
          cases: result.numRuns,
          values: counts.value,
          typedErrors: counts.error,
          failed: result.failed,
          seconds: (Date.now() - started) / 1000
        }) + "\n"
      )
    if (result.failed) {
      const file = JSON.stringify(result.counterexample?.[0] ?? [])
      if (process.env["KUBEADM_TS_FUZZ_SAVE"] === "1") {
        mkdirSync(corpus, { recursive: true })
        writeFileSync(join(corpus, `${createHash("sha256").update(file).digest("hex").slice(0, 16)}.txt`), file)
      }
      throw new Error(`argv the parser does not handle (seed ${result.seed}): ${file.slice(0, 500)}`, {
        cause: result.errorInstance
      })
    }
  })

  for (const name of existsSync(corpus) ? readdirSync(corpus).sort() : [])
    it(`corpus argv/${name}`, async () => {
      await check(JSON.parse(readFileSync(join(corpus, name), "utf8")) as ReadonlyArray<string>)
    })
})
