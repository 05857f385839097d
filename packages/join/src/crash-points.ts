/**
 * Test-only crash points (see internal/crash/crash-points.ts for the variables that arm
 * them and the points there are): the phase boundaries, as a wrapper of the CLI's reporter.
 */
import { PhaseEvent, PhaseReporter } from "@kubeadm-ts/workflow"
import { Effect, Layer } from "effect"
import * as crash from "./internal/crash/crash-points.js"

/** `reporter`, plus a SIGKILL right after the phase named by an armed `phase:<name>` point succeeded. */
export const withPhaseCrashPoints = (reporter: Layer.Layer<PhaseReporter>): Layer.Layer<PhaseReporter> =>
  Layer.effect(
    PhaseReporter,
    Effect.map(PhaseReporter, (inner) => ({
      report: (event: PhaseEvent) =>
        Effect.zipRight(
          inner.report(event),
          PhaseEvent.$is("Succeeded")(event) ? crash.after(`phase:${event.phase}`) : Effect.void
        )
    }))
  ).pipe(Layer.provide(reporter))

/** The phrase that, in `KUBEADM_TS_TEST_CRASH_CONFIRM`, arms `KUBEADM_TS_TEST_CRASH_AT`. */
export const CRASH_CONFIRM_PHRASE = crash.CRASH_CONFIRM_PHRASE
