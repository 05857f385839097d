/** The live Output: the process's stdout and stderr, at the user's verbosity, secrets redacted. */
import { Effect } from "effect"
import type { OutputService } from "../../output.js"
import { redactSecrets } from "../../redact.js"

export const make = (verbosity: number): OutputService => ({
  info: (text) => Effect.sync(() => process.stdout.write(redactSecrets(text) + "\n")),
  warn: (text) => Effect.sync(() => process.stderr.write(redactSecrets(text) + "\n")),
  detail: (level, text) =>
    level <= verbosity ? Effect.sync(() => process.stderr.write(redactSecrets(text) + "\n")) : Effect.void
})
