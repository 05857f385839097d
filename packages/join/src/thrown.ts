/** Code that reports failures by throwing (x509 and YAML libraries, this package's plain builders), run as an Effect. */
import { Effect } from "effect"

/** Runs `run`: a thrown value `expected` recognises fails the effect; anything else thrown is a bug and dies. */
export const attemptThrowing = <A, E>(run: () => A, expected: (u: unknown) => u is E): Effect.Effect<A, E> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(run())
    } catch (e) {
      return expected(e) ? Effect.fail(e) : Effect.die(e)
    }
  })
