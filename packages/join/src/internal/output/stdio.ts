/** The live Output: the process's stdout and stderr, at the user's verbosity, secrets redacted. */
import { Effect } from "effect"
import type { OutputService } from "../../output.js"
import { redactSecrets } from "../../redact.js"

/** Where the lines go: `info` on stdout (text) or stderr (`-o json`, whose stdout is the events'); `aside` runs each write. */
export interface StdioOptions {
  readonly infoTo?: "stdout" | "stderr"
  readonly aside?: (write: Effect.Effect<void>) => Effect.Effect<void>
}

export const make = (verbosity: number, options: StdioOptions = {}): OutputService => {
  const aside = options.aside ?? ((write: Effect.Effect<void>) => write)
  const info = options.infoTo === "stderr" ? process.stderr : process.stdout
  const print = (stream: NodeJS.WriteStream, text: string) =>
    aside(Effect.sync(() => void stream.write(redactSecrets(text) + "\n")))
  return {
    info: (text) => print(info, text),
    warn: (text) => print(process.stderr, text),
    detail: (level, text) => (level <= verbosity ? print(process.stderr, text) : Effect.void)
  }
}
