/**
 * Runs a workflow: phases in order, each parent before its children. A phase
 * marked skipped, or whose condition is false, is reported as skipped together
 * with its whole subtree and never runs. The first failure stops the run.
 */
import { Effect } from "effect"
import { PhaseFailed } from "./errors.js"
import { joinName, type Phase, type Workflow } from "./phase.js"
import { PhaseEvent, PhaseReporter } from "./reporter.js"

/** Runs the workflow; the first failing run or condition stops it as `PhaseFailed` naming the phase. */
export const run = <R, E>(w: Workflow<R, E>): Effect.Effect<void, PhaseFailed<E>, R | PhaseReporter> =>
  Effect.flatMap(PhaseReporter, (reporter) => {
    const skipTree = (p: Phase<R, E>, fullName: string, reason: string): Effect.Effect<void> =>
      Effect.zipRight(
        reporter.report(PhaseEvent.Skipped({ phase: fullName, reason })),
        Effect.forEach(p.children, (c) => skipTree(c, joinName(fullName, c.name), c.skipped?.reason ?? reason), {
          discard: true
        })
      )

    const fail = (fullName: string, error: E) =>
      Effect.zipRight(
        reporter.report(PhaseEvent.Failed({ phase: fullName, error })),
        Effect.fail(new PhaseFailed({ phase: fullName, cause: error }))
      )

    const visit = (p: Phase<R, E>, prefix: string | undefined): Effect.Effect<void, PhaseFailed<E>, R> =>
      Effect.gen(function* () {
        const fullName = joinName(prefix, p.name)
        if (p.skipped !== undefined) return yield* skipTree(p, fullName, p.skipped.reason)
        if (p.condition !== undefined) {
          const ok = yield* p.condition.when.pipe(Effect.catchAll((e) => fail(fullName, e)))
          if (!ok) return yield* skipTree(p, fullName, p.condition.reason)
        }
        yield* reporter.report(PhaseEvent.Started({ phase: fullName }))
        // Effect.timed reads the Clock service, so the TestClock controls durations.
        const [duration] = yield* Effect.timed(p.run ?? Effect.void).pipe(Effect.catchAll((e) => fail(fullName, e)))
        yield* reporter.report(PhaseEvent.Succeeded({ phase: fullName, duration }))
        yield* Effect.forEach(p.children, (c) => visit(c, fullName), { discard: true })
      })

    return Effect.forEach(w.phases, (p) => visit(p, w.prefix), { discard: true })
  })
