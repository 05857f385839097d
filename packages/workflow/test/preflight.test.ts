import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Ref } from "effect"
import {
  check,
  CheckOutcome,
  ignoreSet,
  isIgnored,
  mixesAll,
  phase,
  run,
  runChecks,
  silentReporter,
  sortedIgnoreNames,
  workflow,
  type Check
} from "../src/index.js"

const checkNames = ["Swap", "Port-10250", "FileExisting-crictl", "CRI", "Hostname"] as const

/** Checks with random names (repeats allowed), warnings, and at most one error each. */
const checks = fc.array(
  fc.record({
    name: fc.constantFrom(...checkNames),
    warnings: fc.array(fc.constantFrom("w1", "w2"), { maxLength: 2 }),
    error: fc.option(fc.constantFrom("e1", "e2"), { nil: undefined })
  }),
  { maxLength: 8 }
)
type Spec = { readonly name: string; readonly warnings: ReadonlyArray<string>; readonly error: string | undefined }
const toChecks = (specs: ReadonlyArray<Spec>): ReadonlyArray<Check> =>
  specs.map((s) =>
    check(s.name, Effect.succeed({ warnings: s.warnings, errors: s.error === undefined ? [] : [s.error] }))
  )

/** A random ignore list: names of any case, some unknown ones. */
const ignoreValues = fc.array(
  fc.constantFrom(...checkNames, "unknown-check").chain((n) => fc.constantFrom(n, n.toLowerCase(), n.toUpperCase())),
  { maxLength: 4 }
)

describe("preflight laws", () => {
  it.effect.prop(
    "ignoring all never fails and yields one warning per failing check",
    [checks, fc.constantFrom("all", "ALL", "All")],
    ([specs, all]) =>
      Effect.gen(function* () {
        const { warnings } = yield* runChecks(toChecks(specs), ignoreSet([all]))
        const own = specs.reduce((n, s) => n + s.warnings.length, 0)
        const failing = specs.filter((s) => s.error !== undefined)
        expect(warnings.length).toBe(own + failing.length)
        expect(warnings.filter((w) => /\]: e[12]$/.test(w))).toEqual(
          failing.map((s) => `[WARNING ${s.name}]: ${s.error}`)
        )
      })
  )

  it.effect.prop(
    "ignoring a set S fails iff some failing check's name is outside S",
    [checks, ignoreValues],
    ([specs, values]) =>
      Effect.gen(function* () {
        const set = ignoreSet(values)
        const lowered = new Set(values.map((v) => v.toLowerCase()))
        const outside = specs.filter((s) => s.error !== undefined && !lowered.has(s.name.toLowerCase()))
        const result = yield* Effect.either(runChecks(toChecks(specs), set))
        expect(result._tag).toBe(outside.length > 0 ? "Left" : "Right")
        if (result._tag === "Left") {
          // ONE error listing every non-ignored failure, in check order
          expect(result.left.lines).toEqual(outside.map((s) => `[ERROR ${s.name}]: ${s.error}`))
        }
      })
  )

  it.effect.prop("a check's own warnings are always reported, in order", [checks, ignoreValues], ([specs, values]) =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const result = yield* Effect.either(
        runChecks(toChecks(specs), ignoreSet(values), (line) => Ref.update(seen, (all) => [...all, line]))
      )
      const streamed = yield* Ref.get(seen)
      const own = specs.flatMap((s) => s.warnings.map((w) => `[WARNING ${s.name}]: ${w}`))
      expect(streamed.filter((w) => /\]: w[12]$/.test(w))).toEqual(own)
      if (result._tag === "Right") expect(result.right.warnings).toEqual(streamed)
    })
  )
})

describe("preflight messages", () => {
  const swap = check(
    "Swap",
    Effect.succeed(CheckOutcome.fail("running with swap on is not supported. Please disable swap"))
  )
  const bridge = check(
    "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables",
    Effect.succeed(CheckOutcome.fail("/proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1"))
  )
  const tc = check("FileExisting-tc", Effect.succeed(CheckOutcome.warn("tc not found in system path")))

  it.effect("the preflight error block, wrapped by the phase, reads like kubeadm v1.15", () =>
    Effect.gen(function* () {
      const w = workflow(
        phase({
          name: "preflight",
          description: "Run join pre-flight checks",
          run: runChecks([bridge, tc, swap], ignoreSet([]))
        })
      )
      const error = yield* Effect.flip(run(w).pipe(Effect.provide(silentReporter)))
      expect(error.message).toBe(
        [
          "error execution phase preflight: [preflight] Some fatal errors occurred:",
          "\t[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1",
          "\t[ERROR Swap]: running with swap on is not supported. Please disable swap",
          "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`"
        ].join("\n")
      )
    })
  )

  it.effect("an ignored error becomes a warning (case-insensitive name)", () =>
    Effect.gen(function* () {
      const { warnings } = yield* runChecks(
        [bridge, tc, swap],
        ignoreSet(["swap", "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables"])
      )
      expect(warnings).toEqual([
        "[WARNING FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1",
        "[WARNING FileExisting-tc]: tc not found in system path",
        "[WARNING Swap]: running with swap on is not supported. Please disable swap"
      ])
    })
  )

  it("ignore set helpers", () => {
    const set = ignoreSet(["Swap", " port-10250 ", "SWAP", ""])
    expect(sortedIgnoreNames(set)).toEqual(["port-10250", "swap"])
    expect(isIgnored(set, "Port-10250")).toBe(true)
    expect(isIgnored(set, "CRI")).toBe(false)
    expect(mixesAll(ignoreSet(["all"]))).toBe(false)
    expect(mixesAll(ignoreSet(["All", "swap"]))).toBe(true)
    expect(isIgnored(ignoreSet(["ALL"]), "anything")).toBe(true)
  })
})
