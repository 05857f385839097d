/**
 * `join` and `join phase <name>`: validate everything (nothing is written on
 * bad input), select the phases (skip / only), run them with the live layers,
 * then print the banner after a full join.
 */
import { Data, Effect, Either, Layer } from "effect"
import { type JoinFlags, liveLoadEnv, loadJoin } from "@kubeadm-ts/join/config"
import { redactSecrets } from "@kubeadm-ts/join/redact"
import { only, run, skip, type Workflow } from "@kubeadm-ts/workflow"
import { verboseReporter, workerBanner } from "./render.js"

/** A failure already worded for the user; the CLI prints `message` and exits with 1. */
export class CliFailure extends Data.TaggedError("CliFailure")<{ readonly message: string }> {}

const failWith = (e: { readonly message: string }) => new CliFailure({ message: redactSecrets(e.message) })

/** `phase` is the full phase name for `join phase ...`, undefined for a full join. */
export const runJoin = (flags: JoinFlags, phase: string | undefined): Effect.Effect<void, CliFailure> =>
  Effect.gen(function* () {
    const loaded = loadJoin(phase === undefined ? flags : { ...flags, phase }, liveLoadEnv)
    if (Either.isLeft(loaded)) return yield* Effect.fail(failWith(loaded.left))
    const { config, options, warnings } = loaded.right
    for (const line of warnings) process.stderr.write(line + "\n")
    // The phases (and the Kubernetes client behind them) load only when a join really runs.
    const {
      joinWorkflow,
      workerWorkflow,
      withTimeouts,
      joinLayer,
      controlPlaneLayer,
      controlPlaneBanner,
      dropBootstrapKubeconfig,
      sweepTempFiles,
      finishJoinRecord,
      withPhaseCrashPoints
    } = yield* Effect.promise(() => import("@kubeadm-ts/join"))
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
    const input = { config, options }
    const reporter = withPhaseCrashPoints(verboseReporter(options.verbosity))
    const program =
      config.controlPlane === undefined
        ? Either.map(
            inLayers(workerWorkflow, Effect.succeed(workerBanner)),
            Effect.provide(Layer.merge(joinLayer(input), reporter))
          )
        : Either.map(
            inLayers(joinWorkflow, controlPlaneBanner),
            Effect.provide(Layer.merge(controlPlaneLayer(input), reporter))
          )
    if (Either.isLeft(program)) return yield* Effect.fail(failWith(program.left))
    const text = yield* program.right.pipe(Effect.mapError(failWith))
    if (text !== "") process.stdout.write(text)
  })
