/**
 * The commands that do something (join, join phase, ca-cert-hash, config): @effect/cli parses
 * the canonical argv route.ts made and runs the command. main.ts loads this module (and with
 * it Effect, @effect/cli and the join) only for those commands, never for help or usage errors.
 */
import { Command, CliConfig, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Effect, Exit, Fiber, Layer, Option } from "effect"
import { rootCommand } from "./commands.js"
import { version } from "./version.js"
import { CliFailure } from "./run-join.js"

/** Runs a routed argv to its end; the exit code (0 on success, 1 on any failure, its message printed). */
export const runCommand = async (r: {
  readonly argv: ReadonlyArray<string>
  readonly changed: ReadonlyArray<string>
  readonly notices?: ReadonlyArray<string>
}): Promise<number> => {
  for (const notice of r.notices ?? []) process.stderr.write(notice + "\n")
  const cli = Command.run(rootCommand(r.changed), { name: "kubeadm-ts", version: `v${version}` })
  const program = cli(["node", "kubeadm-ts", ...r.argv]).pipe(
    Effect.provide(
      Layer.merge(NodeContext.layer, CliConfig.layer({ isCaseSensitive: true, showBuiltIns: false, showTypes: false }))
    )
  ) as Effect.Effect<void, unknown>
  // SIGINT/SIGTERM interrupt the join instead of killing it, so its finalizers run (temp
  // files removed, bootstrap-kubelet.conf with its token dropped).
  const fiber = Effect.runFork(program)
  const interrupt = () => void Effect.runFork(Fiber.interrupt(fiber))
  process.once("SIGINT", interrupt)
  process.once("SIGTERM", interrupt)
  const exit = await Effect.runPromise(Fiber.await(fiber))
  process.off("SIGINT", interrupt)
  process.off("SIGTERM", interrupt)
  if (Exit.isSuccess(exit)) return 0
  if (Cause.isInterruptedOnly(exit.cause)) {
    process.stderr.write("kubeadm-ts: interrupted\n")
    return 1
  }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && failure.value instanceof CliFailure) {
    process.stderr.write(failure.value.message.endsWith("\n") ? failure.value.message : failure.value.message + "\n")
    return 1
  }
  // @effect/cli prints its own validation errors; any other typed failure is printed here.
  if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return 1
  if (Option.isSome(failure)) {
    const e = failure.value
    const text =
      typeof e === "object" && e !== null && "message" in e && typeof e.message === "string" && e.message !== ""
        ? e.message
        : String(e)
    process.stderr.write(`error: ${text}\n`)
    return 1
  }
  process.stderr.write(`kubeadm-ts: unexpected failure (a bug):\n${Cause.pretty(exit.cause)}\n`)
  return 1
}
