/**
 * The kubeadm-ts binary (bundled by esbuild). argv is first checked with
 * pflag/cobra rules (errors worded as cobra's; help pages in cobra's layout),
 * then handed to @effect/cli in a canonical form. Exit 0 on success, 1 on any failure.
 */
import { Command, CliConfig, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Effect, Exit, Fiber, Layer, Option } from "effect"
import { rootCommand, version } from "./commands.js"
import { route } from "./route.js"
import { redactProcessOutput } from "./render.js"
import { CliFailure } from "./run-join.js"

const main = async (args: ReadonlyArray<string>): Promise<number> => {
  const r = route(args)
  if ("usageError" in r) {
    process.stderr.write(
      `Error: ${r.usageError}\nUsage:\n  ${r.usageLine}\n\nRun '${r.command} --help' for the flags.\n\nerror: ${r.usageError}\n`
    )
    return 1
  }
  if ("failure" in r) {
    process.stderr.write(`${r.failure}\n`)
    return 1
  }
  if ("help" in r) {
    process.stdout.write(r.help)
    return 0
  }
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

/**
 * Exits once everything written is flushed. Waiting for the event loop to drain instead
 * would keep a finished join alive for as long as an abandoned DNS lookup (the Hostname
 * check's, bounded in the check but not in libuv's thread pool) takes to give up.
 */
const exitWhenFlushed = (code: number) => {
  process.exitCode = code
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)))
}

redactProcessOutput()
main(process.argv.slice(2)).then(exitWhenFlushed, (e: unknown) => {
  process.stderr.write(`kubeadm-ts: unexpected failure (a bug): ${String(e)}\n`)
  exitWhenFlushed(1)
})
