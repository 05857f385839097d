/**
 * `join` and `join phase <name>`: validate everything (nothing is written on
 * bad input), select the phases (skip / only), run them with the live layers,
 * then print the banner after a full join.
 */
import { Data, Effect, Either, Layer } from "effect"
import { type JoinFlags, liveLoadEnv, loadJoin } from "@kubeadm-ts/join/config"
import { redactSecrets } from "@kubeadm-ts/join/redact"
import { only, run, skip } from "@kubeadm-ts/workflow"
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
    const { joinWorkflow, joinLive, controlPlaneBanner, dropBootstrapKubeconfig, sweepTempFiles } = yield* Effect.promise(() => import("@kubeadm-ts/join"))
    const selected = phase === undefined ? skip(options.skipPhases)(joinWorkflow) : only(phase)(joinWorkflow)
    if (Either.isLeft(selected)) return yield* Effect.fail(failWith(selected.left))
    // The banner's facts (cluster version, stacked etcd) come from the data the join
    // already read, so it is chosen inside the same layers (JoinData is cached there).
    const banner = phase === undefined ? (config.controlPlane ? controlPlaneBanner : Effect.succeed(workerBanner)) : Effect.succeed("")
    const text = yield* sweepTempFiles.pipe(
      Effect.zipRight(run(selected.right)),
      // Also on interruption (SIGINT/SIGTERM): the token file never outlives a run that failed.
      Effect.onError(() => dropBootstrapKubeconfig),
      Effect.zipRight(banner),
      Effect.provide(Layer.merge(joinLive(config, options), verboseReporter(options.verbosity))),
      Effect.mapError(failWith)
    )
    if (text !== "") process.stdout.write(text)
  })
