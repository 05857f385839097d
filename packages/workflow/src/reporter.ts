/**
 * How the runner tells the world what happens: a service receiving one event
 * per phase transition. The CLI renders them (or not); tests collect them.
 */
import { Context, Data, Duration, Effect, Layer, Ref } from "effect"

/** One transition of one phase, named by its full name; a run reports Started then Succeeded or Failed, or Skipped. */
export type PhaseEvent = Data.TaggedEnum<{
  Started: { readonly phase: string }
  Skipped: { readonly phase: string; readonly reason: string }
  Succeeded: { readonly phase: string; readonly duration: Duration.Duration }
  /** `error` is the phase's typed error (not the PhaseFailed wrapper). */
  Failed: { readonly phase: string; readonly error: unknown }
}>

/** Constructors and matchers: `PhaseEvent.Started({ phase })`, `PhaseEvent.$is("Skipped")`. */
export const PhaseEvent = Data.taggedEnum<PhaseEvent>()

/** Receives the runner's events in order; reporting cannot fail. */
export interface PhaseReporterService {
  readonly report: (event: PhaseEvent) => Effect.Effect<void>
}

/** Where the runner sends its events: the CLI prints them, tests collect them. */
export class PhaseReporter extends Context.Tag("@kubeadm-ts/workflow/PhaseReporter")<
  PhaseReporter,
  PhaseReporterService
>() {}

/** Drops every event. */
export const silentReporter: Layer.Layer<PhaseReporter> = Layer.succeed(PhaseReporter, { report: () => Effect.void })

/** Appends every event to `events`, in order (for tests). */
export const collectingReporter = (events: Ref.Ref<ReadonlyArray<PhaseEvent>>): Layer.Layer<PhaseReporter> =>
  Layer.succeed(PhaseReporter, { report: (event) => Ref.update(events, (all) => [...all, event]) })
