/**
 * Where phases print what kubeadm prints. Phases never use console directly:
 * the CLI renders to stdout/stderr, tests collect the lines.
 * Nothing passed here may contain a secret (token secret, certificate key, key).
 */
import { Context, Effect, Layer, Ref } from "effect"
import { redactSecrets } from "./redact.js"

export interface OutputService {
  /** A normal line on stdout, e.g. `[preflight] Running pre-flight checks`. */
  readonly info: (line: string) => Effect.Effect<void>
  /** A warning on stderr, e.g. `[WARNING Swap]: ...` or a deprecation notice. */
  readonly warn: (line: string) => Effect.Effect<void>
  /** Detail shown only with `--v=level` or higher (stderr). */
  readonly detail: (level: number, line: string) => Effect.Effect<void>
}

export class Output extends Context.Tag("@kubeadm-ts/join/Output")<Output, OutputService>() {}

export type OutputLine = { readonly stream: "info" | "warn" | "detail"; readonly level: number; readonly text: string }

/** Collects every line (all verbosity levels) in memory, for tests. */
export const collectingOutput = (lines: Ref.Ref<ReadonlyArray<OutputLine>>): Layer.Layer<Output> => {
  const add = (line: OutputLine) => Ref.update(lines, (all) => [...all, line])
  return Layer.succeed(Output, {
    info: (text) => add({ stream: "info", level: 0, text }),
    warn: (text) => add({ stream: "warn", level: 0, text }),
    detail: (level, text) => add({ stream: "detail", level, text })
  })
}

/** Prints to the process streams, honouring the verbosity; anything shaped like a secret is redacted. */
export const consoleOutput = (verbosity: number): Layer.Layer<Output> =>
  Layer.succeed(Output, {
    info: (text) => Effect.sync(() => process.stdout.write(redactSecrets(text) + "\n")),
    warn: (text) => Effect.sync(() => process.stderr.write(redactSecrets(text) + "\n")),
    detail: (level, text) =>
      level <= verbosity ? Effect.sync(() => process.stderr.write(redactSecrets(text) + "\n")) : Effect.void
  })
