/** The workflow's phase transitions as join events (phase-start, phase-end, phase-skip, phase-fail). */
import { PhaseEvent, PhaseReporter } from "@kubeadm-ts/workflow"
import { Duration, Effect, Layer } from "effect"
import type { JoinEvent } from "./event.js"
import { Events } from "./events.js"
import { describeFailure } from "./reasons.js"

/** One PhaseEvent as the JoinEvent `-o json` prints. */
export const phaseEvent = (event: PhaseEvent): JoinEvent =>
  PhaseEvent.$match(event, {
    Started: ({ phase }): JoinEvent => ({ type: "phase-start", phase }),
    Skipped: ({ phase, reason }): JoinEvent => ({ type: "phase-skip", phase, reason }),
    Succeeded: ({ phase, duration }): JoinEvent => ({
      type: "phase-end",
      phase,
      durationMs: Math.round(Duration.toMillis(duration))
    }),
    Failed: ({ phase, error }): JoinEvent => {
      const { family, reason } = describeFailure(error)
      return { type: "phase-fail", phase, family, reason }
    }
  })

/** A PhaseReporter that emits each transition into Events, after `also` (e.g. the CLI's `--v` lines). */
export const phaseReporter = (
  also: PhaseReporter["Type"] = { report: () => Effect.void }
): Layer.Layer<PhaseReporter, never, Events> =>
  Layer.effect(
    PhaseReporter,
    Effect.map(Events, (events) => ({
      report: (event) => Effect.zipRight(events.aside(also.report(event)), events.emit(phaseEvent(event)))
    }))
  )
