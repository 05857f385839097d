/**
 * How the runner tells the world what happens: a service receiving one event
 * per phase transition. The CLI renders them (or not); tests collect them.
 */
import { Context, Data, Duration, Effect, Layer, Ref } from "effect"

export type PhaseEvent = Data.TaggedEnum<{
  Started: { readonly phase: string }
  Skipped: { readonly phase: string; readonly reason: string }
  Succeeded: { readonly phase: string; readonly duration: Duration.Duration }
  /** `error` is the phase's typed error (not the PhaseFailed wrapper). */
  Failed: { readonly phase: string; readonly error: unknown }
}>

/** Constructors and matchers: `PhaseEvent.Started({ phase })`, `PhaseEvent.$is("Skipped")`. */
export const PhaseEvent = Data.taggedEnum<PhaseEvent>()

export interface PhaseReporterService {
  readonly report: (event: PhaseEvent) => Effect.Effect<void>
}

export class PhaseReporter extends Context.Tag("@kubeadm-ts/workflow/PhaseReporter")<
  PhaseReporter,
  PhaseReporterService
>() {}

/** Drops every event. */
export const silentReporter: Layer.Layer<PhaseReporter> = Layer.succeed(PhaseReporter, { report: () => Effect.void })

/** Appends every event to `events`, in order (for tests). */
export const collectingReporter = (events: Ref.Ref<ReadonlyArray<PhaseEvent>>): Layer.Layer<PhaseReporter> =>
  Layer.succeed(PhaseReporter, { report: (event) => Ref.update(events, (all) => [...all, event]) })
