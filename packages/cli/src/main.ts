/**
 * The kubeadm-ts binary (bundled by esbuild). argv is first checked with
 * pflag/cobra rules (errors worded as cobra's), then handed to @effect/cli in
 * a canonical form. Exit code 0 on success, 1 on any failure.
 */
import { Command, CliConfig } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Console, Effect, Either, Exit, Layer, Option } from "effect"
import { type ParsedArgs, parseArgs } from "./argv.js"
import { rootCommand, version } from "./commands.js"
import { flagsByName, flagsByShort, joinFlags } from "./flag-table.js"
import { globalFlags } from "./join-flags.js"
import { joinPhases, type PhaseInfo } from "./phase-list.js"
import { CliFailure } from "./run-join.js"

/** What to hand to @effect/cli, or a cobra-style usage error. */
type Route = { readonly argv: ReadonlyArray<string>; readonly changed: ReadonlyArray<string> } | { readonly usageError: string; readonly command: string }

const noFlags = { byName: () => undefined, byShort: () => undefined }
/** The flags of `join` (all) or of one `join phase` leaf (its own and the global ones). */
const joinLookup = (phase?: PhaseInfo) => {
  const allowed = (n: string) => phase === undefined || (phase.flags ?? []).includes(n) || globalFlags.includes(n)
  return {
    byName: (n: string) => (allowed(n) ? flagsByName.get(n) : undefined),
    byShort: (s: string) => {
      const f = flagsByShort.get(s)
      return f !== undefined && allowed(f.name) ? f : undefined
    }
  }
}

/** `--k=v` / comma lists / repetition, all as @effect/cli reads them: one `--k v` per value. */
const canonicalFlags = (parsed: ParsedArgs): string[] =>
  joinFlags.flatMap((f) => {
    const values = parsed.values.get(f.name)
    if (values === undefined) return []
    switch (f.kind) {
      case "bool":
        return values[0] === "true" ? [`--${f.name}`] : []
      case "strings":
        return values.flatMap((v) => [`--${f.name}`, v])
      default:
        return f.name.length === 1 ? [`-${f.name}`, values[values.length - 1] ?? ""] : [`--${f.name}=${values[values.length - 1] ?? ""}`]
    }
  })

const route = (args: ReadonlyArray<string>): Route => {
  const [command, ...rest] = args
  const usage = (usageError: string, cmd: string): Route => ({ usageError, command: cmd })
  if (command === undefined || command === "-h" || command === "--help" || command === "help") return { argv: ["--help"], changed: [] }
  if (command.startsWith("-")) return usage(command.startsWith("--") ? `unknown flag: ${command.split("=")[0]}` : `unknown shorthand flag: '${command[1]}' in ${command}`, "kubeadm-ts")
  if (command === "version" || command === "ca-cert-hash") {
    const parsed = parseArgs(rest, noFlags)
    if (Either.isLeft(parsed)) return usage(parsed.left, `kubeadm-ts ${command}`)
    if (parsed.right.help) return { argv: [command, "--help"], changed: [] }
    const n = parsed.right.positionals.length
    if (command === "version" && n > 0) return usage(`unknown command ${JSON.stringify(parsed.right.positionals[0])} for "kubeadm-ts version"`, "kubeadm-ts version")
    if (command === "ca-cert-hash" && n !== 1) return usage(`accepts 1 arg(s), received ${n}`, "kubeadm-ts ca-cert-hash")
    return { argv: [command, ...parsed.right.positionals], changed: [] }
  }
  if (command !== "join") return usage(`unknown command ${JSON.stringify(command)} for "kubeadm-ts"`, "kubeadm-ts")
  let path = ["join"]
  let tokens = rest
  let leaf: PhaseInfo | undefined
  if (rest[0] === "phase") {
    path = ["join", "phase"]
    tokens = rest.slice(1)
    const phase = joinPhases.find((p) => p.name === tokens[0])
    if (phase === undefined) {
      if (tokens[0] !== undefined && !tokens[0].startsWith("-")) return usage(`unknown command ${JSON.stringify(tokens[0])} for "kubeadm-ts join phase"`, "kubeadm-ts join phase")
      return { argv: [...path, "--help"], changed: [] }
    }
    path.push(phase.name)
    tokens = tokens.slice(1)
    leaf = phase
    if (phase.children !== undefined) {
      const child = phase.children.find((c) => c.name === tokens[0])
      if (child === undefined) {
        if (tokens[0] !== undefined && !tokens[0].startsWith("-")) return usage(`unknown command ${JSON.stringify(tokens[0])} for "kubeadm-ts join phase ${phase.name}"`, `kubeadm-ts join phase ${phase.name}`)
        return { argv: [...path, "--help"], changed: [] }
      }
      path.push(child.name)
      tokens = tokens.slice(1)
      leaf = child
    }
  }
  const command_ = `kubeadm-ts ${path.join(" ")}`
  const parsed = parseArgs(tokens, joinLookup(leaf))
  if (Either.isLeft(parsed)) return usage(parsed.left, command_)
  if (parsed.right.help) return { argv: [...path, "--help"], changed: [] }
  const { positionals } = parsed.right
  if (leaf !== undefined && leaf.endpoint !== true && positionals[0] !== undefined) {
    return usage(`unknown command ${JSON.stringify(positionals[0])} for "${command_}"`, command_)
  }
  if (positionals.length > 1) return usage(`accepts at most 1 arg(s), received ${positionals.length}`, command_)
  // Only reachable after `--`; @effect/cli would take such a value for a flag.
  const dashed = positionals.find((p) => p.startsWith("-"))
  if (dashed !== undefined) return usage(`invalid argument ${JSON.stringify(dashed)}: [api-server-endpoint] must be host:port`, command_)
  // pflag prints deprecation notices while parsing, before anything else happens.
  for (const name of parsed.right.changed) {
    const notice = flagsByName.get(name)?.deprecated
    if (notice !== undefined) process.stderr.write(notice + "\n")
  }
  return { argv: [...path, ...positionals, ...canonicalFlags(parsed.right)], changed: parsed.right.changed }
}

const ansi = /\u001b\[[0-9;]*m/g

/** @effect/cli always colours its help: keep colours for a terminal only. */
const plainConsoleUnlessTty = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  process.stdout.isTTY === true
    ? effect
    : Console.consoleWith((c) =>
        Console.withConsole(effect, { ...c, log: (...args: ReadonlyArray<unknown>) => c.log(...args.map((a) => (typeof a === "string" ? a.replace(ansi, "") : a))) })
      )

const main = async (args: ReadonlyArray<string>): Promise<number> => {
  const r = route(args)
  if ("usageError" in r) {
    process.stderr.write(`Error: ${r.usageError}\nUsage:\n  ${r.command} [flags]\n\nRun '${r.command} --help' for the flags.\n\nerror: ${r.usageError}\n`)
    return 1
  }
  const cli = Command.run(rootCommand(r.changed), { name: "kubeadm-ts", version: `v${version}` })
  const program = plainConsoleUnlessTty(cli(["node", "kubeadm-ts", ...r.argv])).pipe(
    Effect.provide(Layer.merge(NodeContext.layer, CliConfig.layer({ isCaseSensitive: true, showBuiltIns: false, showTypes: false })))
  ) as Effect.Effect<void, unknown>
  const exit = await Effect.runPromiseExit(program)
  if (Exit.isSuccess(exit)) return 0
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && failure.value instanceof CliFailure) {
    process.stderr.write(failure.value.message.endsWith("\n") ? failure.value.message : failure.value.message + "\n")
    return failure.value.exitCode
  }
  if (Option.isSome(failure)) return 1 // @effect/cli has printed its own validation error
  process.stderr.write(`kubeadm-ts: unexpected failure (a bug):\n${Cause.pretty(exit.cause)}\n`)
  return 1
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`kubeadm-ts: unexpected failure (a bug): ${String(e)}\n`)
    process.exitCode = 1
  }
)
