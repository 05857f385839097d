/**
 * The kubeadm-ts binary (bundled by esbuild). argv is first checked with
 * pflag/cobra rules (errors worded as cobra's; help pages in cobra's layout),
 * then handed to @effect/cli in a canonical form. Exit 0 on success, 1 on any failure.
 * Help pages, usage errors and `version` are answered from here with route.ts alone; only
 * the commands that run load Effect, @effect/cli and the join (run-command.ts, imported lazily).
 */
import { version } from "./version.js"
import { route } from "./route.js"
import { redactProcessOutput } from "./output.js"

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
  // route.ts allows no flag nor argument after `version`: what @effect/cli's command prints.
  if (r.argv.length === 1 && r.argv[0] === "version") {
    process.stdout.write(`kubeadm-ts version: v${version}\n`)
    return 0
  }
  const { runCommand } = await import("./run-command.js")
  return runCommand(r)
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
