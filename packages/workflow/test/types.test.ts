import { describe, expectTypeOf, it } from "@effect/vitest"
import { Context, Data, Effect, Either, Schedule } from "effect"
import {
  phase,
  retry,
  run,
  skip,
  timeout,
  workflow,
  type Phase,
  type PhaseFailed,
  type PhaseReporter,
  type PhaseTimeoutError,
  type Workflow
} from "../src/index.js"

class A extends Context.Tag("A")<A, { readonly a: number }>() {}
class B extends Context.Tag("B")<B, { readonly b: number }>() {}
class EA extends Data.TaggedError("EA") {}
class EB extends Data.TaggedError("EB") {}

describe("types", () => {
  it("phase and workflow infer the unions of R and E", () => {
    const child = phase({ name: "c", description: "c", run: Effect.flatMap(B, () => new EB()) })
    const parent = phase({
      name: "p",
      description: "p",
      condition: { when: Effect.map(A, () => true), reason: "r" },
      children: [child]
    })
    expectTypeOf(parent).toEqualTypeOf<Phase<A | B, EB>>()
    const leaf = phase({ name: "l", description: "l", run: Effect.fail(new EA()) })
    expectTypeOf(leaf).toEqualTypeOf<Phase<never, EA>>()
    const bare = phase({ name: "x", description: "x" })
    expectTypeOf(bare).toEqualTypeOf<Phase>()
    const w = workflow(parent, leaf, bare)
    expectTypeOf(w).toEqualTypeOf<Workflow<A | B, EB | EA>>()
    expectTypeOf(run(w)).toEqualTypeOf<Effect.Effect<void, PhaseFailed<EB | EA>, A | B | PhaseReporter>>()
    expectTypeOf(timeout("l", "1 second")(w)).toEqualTypeOf<
      Either.Either<Workflow<A | B, EB | EA | PhaseTimeoutError>, import("../src/index.js").UnknownPhaseError>
    >()
    expectTypeOf(retry("l", Schedule.recurs(2))(w)).toExtend<Either.Either<Workflow<A | B, EB | EA>, unknown>>()
    expectTypeOf(skip(["p"])(w)).toExtend<Either.Either<Workflow<A | B, EB | EA>, unknown>>()
  })
})
