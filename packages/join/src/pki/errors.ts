/** The typed failure of the PKI builder; `message` is the user-facing text. */
import { Data, Effect, Predicate } from "effect"

export class PkiError extends Data.TaggedError("PkiError")<{ readonly message: string }> {}

/**
 * Runs a plain builder of this folder that throws a PkiError on a bad configuration value:
 * that PkiError fails; anything else thrown is a bug and dies.
 */
export const attempt = <A>(run: () => A): Effect.Effect<A, PkiError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(run())
    } catch (e) {
      return Predicate.isTagged(e, "PkiError") ? Effect.fail(e as PkiError) : Effect.die(e)
    }
  })
