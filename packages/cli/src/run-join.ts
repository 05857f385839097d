/**
 * `join` and `join phase <name>`: validate everything (nothing is written on
 * bad input), select the phases (skip / only), run them with the live layers,
 * then print the banner after a full join. With `-o json` every step is also an
 * event on stdout (the Events layer is chosen here, once), ending with the result.
 */
import { Cause, Data, Effect, Either, Exit, Layer, Option } from "effect"
import { type JoinFlags, liveLoadEnv, loadJoin } from "@kubeadm-ts/join/config"
import { redactSecrets } from "@kubeadm-ts/join/redact"
import { only, run, skip, type Workflow } from "@kubeadm-ts/workflow"
import { verboseReporting, workerBanner } from "./render.js"
import { version } from "./version.js"

/** A failure already worded for the user; the CLI prints `message` and exits with 1. */
export class CliFailure extends Data.TaggedError("CliFailure")<{ readonly message: string }> {}

const failWith = (e: { readonly message: string }) => new CliFailure({ message: redactSecrets(e.message) })

const SECRET_FLAGS = new Set(["token", "discoveryToken", "tlsBootstrapToken", "certificateKey"])
const TOKEN_ID = /^([a-z0-9]{6})\.[a-z0-9]{16}$/

/** The flags for the run-start event: secrets never shown (a token keeps its public id), the rest redacted by shape. */
export const reportedFlags = (flags: JoinFlags): Record<string, string | number | boolean | ReadonlyArray<string>> => {
  const out: Record<string, string | number | boolean | ReadonlyArray<string>> = {}
  for (const [name, value] of Object.entries(flags)) {
    if (name === "changed" || name === "phase" || value === undefined) continue
    if (SECRET_FLAGS.has(name) && typeof value === "string") {
      const id = TOKEN_ID.exec(value)?.[1]
      out[name] = value === "" ? "" : id !== undefined && name !== "certificateKey" ? `${id}.<redacted>` : "<redacted>"
    } else if (typeof value === "string") out[name] = redactSecrets(value)
    else if (Array.isArray(value)) out[name] = value.map((v: unknown) => redactSecrets(String(v)))
    else if (typeof value === "number" || typeof value === "boolean") out[name] = value
  }
  return out
}

/** `phase` is the full phase name for `join phase ...`, undefined for a full join. */
export const runJoin = (flags: JoinFlags, phase: string | undefined): Effect.Effect<void, CliFailure> =>
  Effect.gen(function* () {
    const format = flags.output ?? "text"
    // The phases (and the Kubernetes client behind them) load only when a join really runs.
    const join = yield* Effect.promise(() => import("@kubeadm-ts/join"))
    const { Events, events } = join
    const role = flags.controlPlane ? "control-plane" : "worker"
    const joined = Effect.gen(function* () {
      const ev = yield* Events
      yield* ev.emit({
        type: "run-start",
        version,
        command: phase === undefined ? "join" : `join phase ${phase}`,
        role,
        dryRun: flags.dryRun === true,
        flags: reportedFlags(flags)
      })
      const loaded = loadJoin(phase === undefined ? flags : { ...flags, phase }, liveLoadEnv)
      if (Either.isLeft(loaded)) return yield* Effect.fail(loaded.left)
      const { config, options, warnings } = loaded.right
      for (const line of warnings) yield* ev.aside(Effect.sync(() => void process.stderr.write(line + "\n")))
      const { joinWorkflow, workerWorkflow, withTimeouts, joinLayer, controlPlaneLayer, controlPlaneBanner } = join
      const { dropBootstrapKubeconfig, sweepTempFiles, finishJoinRecord, withPhaseCrashPoints } = join
      // The config's timeouts become phase deadlines first; skip and only keep them.
      const select = <R, E>(w: Workflow<R, E>) =>
        Either.flatMap(withTimeouts(config.timeouts)(w), (timed) =>
          phase === undefined ? skip(options.skipPhases)(timed) : only(phase)(timed)
        )
      /** The phases run inside the layers (with the leftovers swept and dropped around them), then the banner's text. */
      const inLayers = <R, E, R2>(w: Workflow<R, E>, banner: Effect.Effect<string, never, R2>) =>
        Either.map(select(w), (selected) =>
          sweepTempFiles.pipe(
            Effect.zipRight(run(selected)),
            // Also on interruption (SIGINT/SIGTERM): the token file never outlives a run that failed.
            Effect.onError(() => dropBootstrapKubeconfig),
            // A whole join done: nothing is left to resume (a single phase may be followed by others).
            Effect.zipRight(phase === undefined ? finishJoinRecord : Effect.void),
            Effect.zipRight(phase === undefined ? banner : Effect.succeed(""))
          )
        )
      // A worker and a control-plane join differ in their phases' services (a worker has no
      // Etcd); the choice is made here, once. The banner's facts (cluster version, stacked
      // etcd) come from the data the join already read (JoinData is cached in the layers).
      // The join's services share this run's Events.
      const input = { config, options }
      // A full control-plane join generates its keys from the start (they overlap discovery).
      const prefetchKeys =
        phase === undefined &&
        !options.skipPhases.some((p) => p === "control-plane-prepare" || p === "control-plane-prepare/certs")
      const overrides = { events: Layer.succeed(Events, ev) }
      const reporter = withPhaseCrashPoints(
        events.phaseReporter(verboseReporting(options.verbosity)).pipe(Layer.provide(overrides.events))
      )
      const program =
        config.controlPlane === undefined
          ? Either.map(
              inLayers(workerWorkflow, Effect.succeed(workerBanner)),
              Effect.provide(Layer.merge(joinLayer(input, overrides), reporter))
            )
          : Either.map(
              inLayers(joinWorkflow, controlPlaneBanner),
              Effect.provide(Layer.merge(controlPlaneLayer({ ...input, prefetchKeys }, overrides), reporter))
            )
      if (Either.isLeft(program)) return yield* Effect.fail(program.left)
      const text = yield* program.right
      if (text !== "") {
        // kubeadm's closing banner is for people: with -o json it goes to stderr.
        const stream = format === "json" ? process.stderr : process.stdout
        yield* ev.aside(Effect.sync(() => void stream.write(text)))
      }
      yield* ev.emit({
        type: "result",
        outcome: "success",
        exitCode: 0,
        nodeName: config.nodeRegistration.name,
        role
      })
    })
    // The last event says how the run ended: the typed failure's family and reason, an
    // interruption, or a defect.
    const reportEnd = <E>(exit: Exit.Exit<void, E>) =>
      Effect.flatMap(Events, (ev) => {
        if (Exit.isSuccess(exit)) return Effect.void
        const failure = Cause.failureOption(exit.cause)
        const other = (reason: "Interrupted" | "Defect", message: string) => ({
          family: reason,
          reason,
          message,
          ...events.otherFailures[reason]
        })
        const error = Option.isSome(failure)
          ? events.describeFailure(failure.value)
          : Cause.isInterruptedOnly(exit.cause)
            ? other("Interrupted", "interrupted")
            : other("Defect", "unexpected failure (a bug)")
        return ev.emit({ type: "result", outcome: "failure", exitCode: 1, error })
      })
    return yield* joined.pipe(Effect.onExit(reportEnd), Effect.mapError(failWith), Effect.provide(events.layer(format)))
  })
