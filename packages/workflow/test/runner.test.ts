import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import {
  collectingReporter,
  only,
  run,
  skip,
  type PhaseEvent,
  type UnknownPhaseError,
  type Workflow
} from "../src/index.js"
import { build, expectedRun, shapeNames, subtree, treeWithName, treeWithNames } from "./arbitraries.js"

/** Runs `w` with a collecting reporter; returns the trace and the events. */
const runCollecting = (setup: (trace: Ref.Ref<ReadonlyArray<string>>) => Effect.Effect<Workflow, UnknownPhaseError>) =>
  Effect.gen(function* () {
    const trace = yield* Ref.make<ReadonlyArray<string>>([])
    const events = yield* Ref.make<ReadonlyArray<PhaseEvent>>([])
    const w = yield* setup(trace)
    yield* run(w).pipe(Effect.provide(collectingReporter(events)))
    return { ran: yield* Ref.get(trace), events: yield* Ref.get(events) }
  })

describe("runner laws", () => {
  it.effect.prop(
    "never runs a skipped phase and runs every other phase exactly once, in tree order",
    [treeWithNames],
    ([[t, names]]) =>
      Effect.gen(function* () {
        const { ran, events } = yield* runCollecting((trace) => skip(names)(build(t, trace)))
        expect(ran).toEqual(expectedRun(t, new Set(names)))
        // one verdict per phase: Skipped, or Started followed later by Succeeded
        const all = shapeNames(t)
        for (const name of all) {
          const mine = events.filter((e) => e.phase === name).map((e) => e._tag)
          expect(mine).toEqual(ran.includes(name) ? ["Started", "Succeeded"] : ["Skipped"])
        }
        expect(events.filter((e) => e._tag === "Started").map((e) => e.phase)).toEqual(ran)
      })
  )

  it.effect.prop("only(x) runs exactly the subtree of x", [treeWithName], ([[t, x]]) =>
    Effect.gen(function* () {
      const { ran, events } = yield* runCollecting((trace) => only(x)(build(t, trace)))
      const sub = subtree(t, x)
      assert(sub !== undefined, `the arbitrary picked ${x} from the tree`)
      // Ancestors (and their conditions) are not run; the subtree keeps its full names.
      expect(ran).toEqual(expectedRun([sub.shape], new Set(), sub.prefix))
      expect(events.every((e) => e.phase === x || e.phase.startsWith(`${x}/`))).toBe(true)
    })
  )

  it.effect.prop("only of an unknown name fails with UnknownPhaseError", [treeWithName], ([[t, x]]) =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(only(`${x}/nope`)(build(t, Ref.unsafeMake<ReadonlyArray<string>>([]))))
      expect(error._tag).toBe("UnknownPhaseError")
      expect(error.valid).toEqual(shapeNames(t))
    })
  )
})
