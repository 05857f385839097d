/** The live sinks of Events: NDJSON lines on stdout, the progress of waits on a stream (log-update on a terminal). */
import { Effect } from "effect"
import { createLogUpdate } from "log-update"
import type { EventLine } from "../../events/event.js"
import type { ProgressView } from "../../events/events.js"
import { redactSecrets } from "../../redact.js"

/** One event as one line of JSON on stdout (redacted once more, like every line the binary prints). */
export const ndjsonLine = (line: EventLine): Effect.Effect<void> =>
  Effect.sync(() => void process.stdout.write(redactSecrets(JSON.stringify(line)) + "\n"))

/** One live line on a terminal: log-update rewrites it in place (wrapping included) and erases it at the end. */
export const ttyView = (stream: NodeJS.WritableStream & { readonly columns?: number }): ProgressView => {
  // showCursor: hiding it would need a restore on every exit path (signals included).
  const log = createLogUpdate(stream, { showCursor: true })
  let shown = false
  return {
    live: true,
    show: (line) =>
      Effect.sync(() => {
        shown = true
        log(redactSecrets(line))
      }),
    clear: Effect.sync(() => {
      if (!shown) return
      shown = false
      log.clear()
      log.done()
    })
  }
}

/** Plain lines, for a log file or a pipe. */
export const plainView = (stream: NodeJS.WritableStream): ProgressView => ({
  live: false,
  show: (line) => Effect.sync(() => void stream.write(redactSecrets(line) + "\n")),
  clear: Effect.void
})

/** A terminal gets the live line; anything else plain lines. */
export const progressView = (stream: NodeJS.WriteStream): ProgressView =>
  stream.isTTY ? ttyView(stream) : plainView(stream)
