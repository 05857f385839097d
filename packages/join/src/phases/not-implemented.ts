/**
 * The honest placeholder of a phase whose services have not arrived yet: it
 * fails with a typed error naming the phase, it never pretends to succeed.
 */
import { Data, Effect } from "effect"

export class PhaseNotImplemented extends Data.TaggedError("PhaseNotImplemented")<{
  readonly phase: string
}> {
  override get message() {
    return `phase ${this.phase} is not implemented yet`
  }
}

export const notImplemented = (phase: string): Effect.Effect<void, PhaseNotImplemented> =>
  Effect.fail(new PhaseNotImplemented({ phase }))
