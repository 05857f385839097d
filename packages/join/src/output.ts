/**
 * Where phases print what kubeadm prints. Phases never use the console: the live
 * layer writes to stdout/stderr, tests collect the lines.
 * Nothing passed here may contain a secret (token secret, certificate key, key).
 */
import { Context, Effect, Layer, Ref } from "effect"
import * as stdio from "./internal/output/stdio.js"
import { Events } from "./events/events.js"

/** Where the join's messages go: output lines, warnings, and details shown by verbosity level. */
export interface OutputService {
  /** A normal line on stdout, e.g. `[preflight] Running pre-flight checks`. */
  readonly info: (line: string) => Effect.Effect<void>
  /** A warning on stderr, e.g. `[WARNING Swap]: ...` or a deprecation notice. */
  readonly warn: (line: string) => Effect.Effect<void>
  /** Detail shown only with `--v=level` or higher (stderr). */
  readonly detail: (level: number, line: string) => Effect.Effect<void>
}

/** The lines a join prints. */
export class Output extends Context.Tag("@kubeadm-ts/join/Output")<Output, OutputService>() {}

/** One printed line, as `fake` collects it. */
export type OutputLine = { readonly stream: "info" | "warn" | "detail"; readonly level: number; readonly text: string }

/** Prints to the process streams at `verbosity` (`--v`); anything shaped like a secret is redacted. */
export const layer = (verbosity: number): Layer.Layer<Output> => Layer.succeed(Output, stdio.make(verbosity))

/**
 * The join's Output for an output format: `text` prints as `layer` does; `json` moves the
 * stdout lines to stderr (stdout carries the events). Either way a write first moves the
 * live progress line of a wait out of its way.
 */
export const layerFor = (verbosity: number, format: "text" | "json"): Layer.Layer<Output, never, Events> =>
  Layer.effect(
    Output,
    Effect.map(Events, (events) =>
      stdio.make(verbosity, { infoTo: format === "json" ? "stderr" : "stdout", aside: events.aside })
    )
  )

/** An Output whose methods die unless `partial` gives them. */
export const layerTest = (partial: Partial<OutputService> = {}): Layer.Layer<Output> =>
  Layer.succeed(Output, {
    info: (line) => Effect.die(`Output.info(${line}) was not expected by this test`),
    warn: (line) => Effect.die(`Output.warn(${line}) was not expected by this test`),
    detail: (_level, line) => Effect.die(`Output.detail(${line}) was not expected by this test`),
    ...partial
  })

/** Collects every line, at every verbosity, into `lines`. */
export const fake = (lines: Ref.Ref<ReadonlyArray<OutputLine>>): Layer.Layer<Output> => {
  const add = (line: OutputLine) => Ref.update(lines, (all) => [...all, line])
  return Layer.succeed(Output, {
    info: (text) => add({ stream: "info", level: 0, text }),
    warn: (text) => add({ stream: "warn", level: 0, text }),
    detail: (level, text) => add({ stream: "detail", level, text })
  })
}
