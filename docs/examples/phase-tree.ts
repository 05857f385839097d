/**
 * A custom phase tree with @kubeadm-ts/workflow: phases are data (a name, a description, an
 * optional `run` and children), combinators skip or retry them by full name, and `run`
 * reports each phase's start, end or skip to a PhaseReporter. No Kubernetes involved.
 */
import { Effect, Either, Ref, Schedule } from "effect"
import { collectingReporter, PhaseEvent, phase, retry, run, skip, workflow } from "@kubeadm-ts/workflow"

/** Runs `prepare` (with a `download` step that fails twice before it works), `configure` and `verify`, skipping `verify`. */
export const runCustomTree = Effect.gen(function* () {
  const attempts = yield* Ref.make(0)
  const download = Effect.gen(function* () {
    const n = yield* Ref.updateAndGet(attempts, (a) => a + 1)
    if (n < 3) return yield* Effect.fail(new Error(`mirror not ready (attempt ${n})`))
  })
  const tree = workflow(
    phase({
      name: "prepare",
      description: "Get what the node needs",
      children: [
        phase({ name: "download", description: "Download the artifacts", run: download }),
        phase({ name: "unpack", description: "Unpack them", run: Effect.void })
      ]
    }),
    phase({ name: "configure", description: "Write the configuration", run: Effect.void }),
    phase({ name: "verify", description: "Check the result", run: Effect.die("verify was skipped, never run") })
  )
  // Combinators return Either (an unknown phase name is a typed UnknownPhaseError).
  const selected = yield* Either.flatMap(
    retry("prepare/download", Schedule.recurs(3))(tree),
    skip(["verify"], "skipped by this example")
  )
  const events = yield* Ref.make<ReadonlyArray<PhaseEvent>>([])
  yield* run(selected).pipe(Effect.provide(collectingReporter(events)))
  const log = (yield* Ref.get(events)).map(
    PhaseEvent.$match({
      Started: ({ phase }) => `started ${phase}`,
      Succeeded: ({ phase }) => `done ${phase}`,
      Failed: ({ phase }) => `failed ${phase}`,
      Skipped: ({ phase, reason }) => `skipped ${phase}: ${reason}`
    })
  )
  return { attempts: yield* Ref.get(attempts), log }
})
