/** What the CLI prints around the phases: the phase events (with --v) and kubeadm's closing banners (the control-plane one is chosen by the cluster: controlPlaneBanner of @kubeadm-ts/join). */
import { Duration, Effect, Layer } from "effect"
import { PhaseEvent, PhaseReporter } from "@kubeadm-ts/workflow"

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
