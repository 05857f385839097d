import { describe, expect, it } from "@effect/vitest"
import { type Check, CheckOutcome, ignoreSet, runChecks } from "@kubeadm-ts/workflow"
import { Deferred, Effect } from "effect"
import { startedTogether } from "../src/phases/preflight.js"

describe("preflight checks run together, reported in list order", () => {
  it.live("a check waiting on a later one completes (so they overlap) and warnings keep the list's order", () =>
    Effect.gen(function* () {
      const later = yield* Deferred.make<undefined>()
      const printed: Array<string> = []
      const checks: ReadonlyArray<Check> = [
        // Would never finish if the checks ran one after the other.
        { name: "First", run: Deferred.await(later).pipe(Effect.as(CheckOutcome.warn("first"))) },
        { name: "Second", run: Deferred.succeed(later, undefined).pipe(Effect.as(CheckOutcome.warn("second"))) },
        { name: "Third", run: Effect.succeed(CheckOutcome.warn("third")) }
      ]
      const r = yield* runChecks(yield* startedTogether(checks), ignoreSet([]), (line) =>
        Effect.sync(() => printed.push(line))
      ).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the checks did not overlap") }))
      expect(printed).toEqual(["[WARNING First]: first", "[WARNING Second]: second", "[WARNING Third]: third"])
      expect(r.warnings).toEqual(printed)
    })
  )
})
