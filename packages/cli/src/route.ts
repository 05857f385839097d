/**
 * Where an argv goes: cobra-style checks with pflag rules, then the canonical
 * argv @effect/cli parses (one `--flag value` per value, positionals first).
 */
import { Either } from "effect"
import { type ParsedArgs, parseArgs } from "./argv.js"
import { flagsByName, flagsByShort, joinFlags } from "./flag-table.js"
import { globalFlags } from "./join-flags.js"
import { caCertHashHelp, joinHelp, phaseCommandHelp, phaseHelp, rootHelp, versionHelp } from "./help.js"
import { joinPhases, type PhaseInfo } from "./phase-list.js"

/** What to hand to @effect/cli, or a cobra-style usage error. */
export type Route =
  | { readonly help: string }
  | { readonly argv: ReadonlyArray<string>; readonly changed: ReadonlyArray<string>; readonly notices?: ReadonlyArray<string> }
  | { readonly usageError: string; readonly command: string }

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

export const route = (args: ReadonlyArray<string>): Route => {
  const [command, ...rest] = args
  const usage = (usageError: string, cmd: string): Route => ({ usageError, command: cmd })
  if (command === undefined || command === "-h" || command === "--help" || command === "help") return { help: rootHelp() }
  if (command.startsWith("-")) return usage(command.startsWith("--") ? `unknown flag: ${command.split("=")[0]}` : `unknown shorthand flag: '${command[1]}' in ${command}`, "kubeadm-ts")
  if (command === "version" || command === "ca-cert-hash") {
    const parsed = parseArgs(rest, noFlags)
    if (Either.isLeft(parsed)) return usage(parsed.left, `kubeadm-ts ${command}`)
    if (parsed.right.help) return { help: command === "version" ? versionHelp() : caCertHashHelp() }
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
      return { help: phaseHelp() }
    }
    path.push(phase.name)
    tokens = tokens.slice(1)
    leaf = phase
    if (phase.children !== undefined) {
      const child = phase.children.find((c) => c.name === tokens[0])
      if (child === undefined) {
        if (tokens[0] !== undefined && !tokens[0].startsWith("-")) return usage(`unknown command ${JSON.stringify(tokens[0])} for "kubeadm-ts join phase ${phase.name}"`, `kubeadm-ts join phase ${phase.name}`)
        return { help: phaseCommandHelp([phase.name], phase) }
      }
      path.push(child.name)
      tokens = tokens.slice(1)
      leaf = child
    }
  }
  const command_ = `kubeadm-ts ${path.join(" ")}`
  const parsed = parseArgs(tokens, joinLookup(leaf))
  if (Either.isLeft(parsed)) return usage(parsed.left, command_)
  if (parsed.right.help) return { help: leaf === undefined ? joinHelp() : phaseCommandHelp(path.slice(2), leaf) }
  const { positionals } = parsed.right
  if (leaf !== undefined && leaf.endpoint !== true && positionals[0] !== undefined) {
    return usage(`unknown command ${JSON.stringify(positionals[0])} for "${command_}"`, command_)
  }
  if (positionals.length > 1) return usage(`accepts at most 1 arg(s), received ${positionals.length}`, command_)
  // Only reachable after `--`; @effect/cli would take such a value for a flag.
  const dashed = positionals.find((p) => p.startsWith("-"))
  if (dashed !== undefined) return usage(`invalid argument ${JSON.stringify(dashed)}: [api-server-endpoint] must be host:port`, command_)
  // pflag prints deprecation notices while parsing, before anything else happens.
  const notices = parsed.right.changed.flatMap((name) => flagsByName.get(name)?.deprecated ?? [])
  return { argv: [...path, ...positionals, ...canonicalFlags(parsed.right)], changed: parsed.right.changed, notices }
}
