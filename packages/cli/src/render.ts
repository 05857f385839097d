/** What the CLI prints around the phases: the phase events (with --v) and kubeadm's closing banners (the control-plane one is chosen by the cluster: controlPlaneBanner of @kubeadm-ts/join). */
import { Duration, Effect, Layer } from "effect"
import { PhaseEvent, PhaseReporter } from "@kubeadm-ts/workflow"
import { redactSecrets } from "@kubeadm-ts/join/redact"

/** stdout's writer before redaction was installed: only `writeStdoutKeeping` uses it. */
let rawStdoutWrite: ((chunk: string) => boolean) | undefined

/**
 * Every byte the binary prints passes through here: the join's Output, our own error and
 * usage lines, @effect/cli's messages and Node's warnings alike, so a token or key given
 * in the wrong place is redacted even where no source remembered to (the sources do too).
 * Every writer prints whole lines, so a secret is never split across two writes.
 */
export const redactProcessOutput = (): void => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: Array<unknown>) => boolean
    if (stream === process.stdout) rawStdoutWrite = (chunk) => write(chunk)
    stream.write = (chunk: unknown, ...rest: Array<unknown>) =>
      write(
        typeof chunk === "string"
          ? redactSecrets(chunk)
          : chunk instanceof Uint8Array
            ? redactSecrets(Buffer.from(chunk).toString("utf8"))
            : chunk,
        ...rest
      )
  }
}

/**
 * Writes `text` to stdout redacted like everything else, except for the exact `publicValue`
 * (kubeadm's documented placeholder token in `config print join-defaults`, which must stay
 * valid for `config validate`). Only constants of the program go there, never user input.
 */
export const writeStdoutKeeping = (text: string, publicValue: string): void => {
  const out = text.split(publicValue).map(redactSecrets).join(publicValue)
  if (rawStdoutWrite === undefined) process.stdout.write(out)
  else rawStdoutWrite(out)
}

/** Phase transitions as detail lines on stderr, shown from `--v=1` (kubeadm prints none by default). */
export const verboseReporter = (verbosity: number): Layer.Layer<PhaseReporter> =>
  Layer.succeed(PhaseReporter, verboseReporting(verbosity))

/** verboseReporter's service, for a reporter that also does something else with the events. */
export const verboseReporting = (verbosity: number): PhaseReporter["Type"] => ({
  report: (event) => {
    if (verbosity < 1) return Effect.void
    const line = PhaseEvent.$match(event, {
      Started: ({ phase }) => `[phase] running ${phase}`,
      Skipped: ({ phase, reason }) => `[phase] skipping ${phase}: ${reason}`,
      Succeeded: ({ phase, duration }) => `[phase] ${phase} done in ${Duration.format(duration)}`,
      Failed: ({ phase }) => `[phase] ${phase} failed`
    })
    return Effect.sync(() => process.stderr.write(line + "\n"))
  }
})

/** kubeadm's closing text after a worker node joins, printed verbatim. */
export const workerBanner = [
  "",
  "This node has joined the cluster:",
  "* Certificate signing request was sent to apiserver and a response was received.",
  "* The Kubelet was informed of the new secure connection details.",
  "",
  "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.",
  "",
  ""
].join("\n")
