/**
 * Where an argv goes: cobra-style checks with pflag rules, then the canonical
 * argv @effect/cli parses (one `--flag value` per value, positionals first).
 */
import * as Either from "effect/Either"
import { type ParsedArgs, parseArgs, redactSecrets } from "./argv.js"
import { flagsByName, flagsByShort, globalFlags, joinFlags } from "./flag-table.js"
import { caCertHashHelp, joinHelp, phaseCommandHelp, phaseHelp, rootHelp, versionHelp } from "./help.js"
import { joinPhases, type PhaseInfo } from "./phase-list.js"
import { routeConfig } from "./config-route.js"
import { complete, completionHelp, completionScript } from "./completion.js"
import { expandJoinString, joinStringArgv, joinStringHelp, joinStringLookup } from "./join-string.js"

/**
 * kubeadm's global flags may come before the command, as cobra's persistent flags do
 * (`kubeadm --rootfs /mnt join ...`, `kubeadm -v=5 join ...`): they are moved after it. Nothing
 * is moved when no command follows them (the usage error stays cobra's).
 */
export const hoistGlobalFlags = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const lead: Array<string> = []
  let i = 0
  for (;;) {
    const word = args[i]
    if (word === undefined) break
    const flag = /^(--rootfs|--v|-v)(=.*)?$/.exec(word)
    if (flag !== null && flag[2] === undefined) {
      const value = args[i + 1]
      if (value === undefined) break
      lead.push(word, value)
      i += 2
    } else if (flag !== null || /^-v\d+$/.test(word)) {
      lead.push(word)
      i += 1
    } else break
  }
  return lead.length === 0 || i >= args.length ? args : [...args.slice(i), ...lead]
}

/** What to hand to @effect/cli, or a cobra-style usage error. */
export type Route =
  | { readonly help: string }
  | {
      readonly argv: ReadonlyArray<string>
      readonly changed: ReadonlyArray<string>
      readonly notices?: ReadonlyArray<string>
    }
  | { readonly usageError: string; readonly command: string; readonly usageLine: string }
  /** A failure of the command itself (kubeadm's error text), exit 1. */
  | { readonly failure: string }

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
        return f.name.length === 1
          ? [`-${f.name}`, values[values.length - 1] ?? ""]
          : [`--${f.name}=${values[values.length - 1] ?? ""}`]
    }
  })

type Usage = { readonly usageError: string; readonly command: string; readonly usageLine: string }
// Usage errors quote argv words; whatever slipped through is redacted once more here.
/** `usageLine` is the first usage line of the command's help page (cobra prints the usage with the error). */
const usage = (usageError: string, command: string, usageLine = `${command} [flags]`): Usage => ({
  usageError: redactSecrets(usageError),
  command,
  usageLine
})

const simpleLine = {
  version: "kubeadm-ts version [flags]",
  "ca-cert-hash": "kubeadm-ts ca-cert-hash <ca.crt> [flags]"
} as const

/** `version` and `ca-cert-hash <ca.crt>`: no flags but -h. */
const routeSimple = (command: "version" | "ca-cert-hash", rest: ReadonlyArray<string>): Route => {
  const parsed = parseArgs(rest, noFlags)
  if (Either.isLeft(parsed)) return usage(parsed.left, `kubeadm-ts ${command}`, simpleLine[command])
  if (parsed.right.help) return { help: command === "version" ? versionHelp() : caCertHashHelp() }
  const { positionals } = parsed.right
  if (command === "version" && positionals.length > 0)
    return usage(
      `unknown command ${JSON.stringify(positionals[0])} for "kubeadm-ts version"`,
      "kubeadm-ts version",
      simpleLine.version
    )
  if (command === "ca-cert-hash" && positionals.length !== 1)
    return usage(
      `accepts 1 arg(s), received ${positionals.length}`,
      "kubeadm-ts ca-cert-hash",
      simpleLine["ca-cert-hash"]
    )
  return { argv: [command, ...positionals], changed: [] }
}

/** `completion SHELL`: the script (printed like a help page), or kubeadm's error. */
const routeCompletion = (rest: ReadonlyArray<string>): Route => {
  const parsed = parseArgs(rest, noFlags)
  if (Either.isLeft(parsed)) return usage(parsed.left, "kubeadm-ts completion", "kubeadm-ts completion SHELL [flags]")
  if (parsed.right.help) return { help: completionHelp() }
  const r = completionScript(parsed.right.positionals)
  return "script" in r ? { help: r.script } : r
}

/** A sub-command name where one is expected; a flag (or nothing) there means "show this level's help". */
const isName = (token: string | undefined): token is string => token !== undefined && !token.startsWith("-")

/** `join phase <phase> [<sub-phase>] ...`: the command path and its phase, a help page, or an unknown command. */
const resolvePhase = (
  tokens: ReadonlyArray<string>
): { readonly path: string[]; readonly leaf: PhaseInfo; readonly rest: ReadonlyArray<string> } | Route => {
  const phase = joinPhases.find((p) => p.name === tokens[0])
  if (phase === undefined) {
    return isName(tokens[0])
      ? usage(
          `unknown command ${JSON.stringify(tokens[0])} for "kubeadm-ts join phase"`,
          "kubeadm-ts join phase",
          "kubeadm-ts join phase [command]"
        )
      : { help: phaseHelp() }
  }
  if (phase.children === undefined) return { path: ["join", "phase", phase.name], leaf: phase, rest: tokens.slice(1) }
  const child = phase.children.find((c) => c.name === tokens[1])
  if (child === undefined) {
    const here = `kubeadm-ts join phase ${phase.name}`
    return isName(tokens[1])
      ? usage(`unknown command ${JSON.stringify(tokens[1])} for "${here}"`, here, `${here} [command]`)
      : { help: phaseCommandHelp([phase.name], phase) }
  }
  return { path: ["join", "phase", phase.name, child.name], leaf: child, rest: tokens.slice(2) }
}

/** `join ...` and `join phase ...`: pflag parsing with the command's flags, then cobra's argument rules. */
const routeJoin = (path: string[], leaf: PhaseInfo | undefined, tokens: ReadonlyArray<string>): Route => {
  const command = `kubeadm-ts ${path.join(" ")}`
  const line = `${command}${leaf === undefined || leaf.endpoint === true ? " [api-server-endpoint]" : ""} [flags]`
  const fail = (error: string, cmd: string) => usage(error, cmd, line)
  const parsed = parseArgs(tokens, joinLookup(leaf))
  if (Either.isLeft(parsed)) return fail(parsed.left, command)
  if (parsed.right.help) return { help: leaf === undefined ? joinHelp() : phaseCommandHelp(path.slice(2), leaf) }
  const { positionals } = parsed.right
  const output = parsed.right.values.get("output")?.at(-1)
  if (output !== undefined && output !== "text" && output !== "json")
    return fail(`invalid argument ${JSON.stringify(output)} for "-o, --output" flag: must be text or json`, command)
  if (leaf !== undefined && leaf.endpoint !== true && positionals[0] !== undefined) {
    return fail(`unknown command ${JSON.stringify(positionals[0])} for "${command}"`, command)
  }
  if (positionals.length > 1) return fail(`accepts at most 1 arg(s), received ${positionals.length}`, command)
  // Only reachable after `--`; @effect/cli would take such a value for a flag.
  const dashed = positionals.find((p) => p.startsWith("-"))
  if (dashed !== undefined)
    return fail(`invalid argument ${JSON.stringify(dashed)}: [api-server-endpoint] must be host:port`, command)
  // A join string stands for the endpoint and the flags it holds.
  const args = expandJoinString(parsed.right, (flag) => joinLookup(leaf).byName(flag) !== undefined)
  if (Either.isLeft(args)) return { failure: args.left }
  // pflag prints deprecation notices while parsing, before anything else happens.
  const notices = args.right.changed.flatMap((name) => flagsByName.get(name)?.deprecated ?? [])
  return {
    argv: [...path, ...args.right.positionals, ...canonicalFlags(args.right)],
    changed: args.right.changed,
    notices
  }
}

/** `join-string <api-server-endpoint> [flags]`: pflag parsing with its flags, then exactly one endpoint. */
const routeJoinString = (rest: ReadonlyArray<string>): Route => {
  const line = "kubeadm-ts join-string <api-server-endpoint> [flags]"
  const parsed = parseArgs(rest, joinStringLookup)
  if (Either.isLeft(parsed)) return usage(parsed.left, "kubeadm-ts join-string", line)
  if (parsed.right.help) return { help: joinStringHelp() }
  const n = parsed.right.positionals.length
  if (n !== 1 || parsed.right.positionals[0]?.startsWith("-") === true)
    return usage(`accepts 1 arg(s), received ${n}`, "kubeadm-ts join-string", line)
  return { argv: joinStringArgv(parsed.right), changed: parsed.right.changed }
}

/** Decides what an argv (without node and the script) does before @effect/cli runs: help, usage error or canonical argv. */
export const route = (given: ReadonlyArray<string>): Route => {
  const [command, ...rest] = hoistGlobalFlags(given)
  if (command === undefined || command === "-h" || command === "--help" || command === "help")
    return { help: rootHelp() }
  if (command.startsWith("-")) {
    return usage(
      command.startsWith("--")
        ? `unknown flag: ${command.split("=")[0]}`
        : `unknown shorthand flag: '${command[1]}' in ${command.split("=")[0]}`,
      "kubeadm-ts",
      "kubeadm-ts [command]"
    )
  }
  if (command === "version" || command === "ca-cert-hash") return routeSimple(command, rest)
  if (command === "completion") return routeCompletion(rest)
  if (command === "join-string") return routeJoinString(rest)
  // The completion scripts' hidden query: one candidate a line.
  if (command === "__complete")
    return {
      help: complete(rest)
        .map((c) => `${c}\n`)
        .join("")
    }
  if (command === "config") {
    const r = routeConfig(rest)
    return "usageError" in r ? usage(r.usageError, r.command, r.usageLine) : r
  }
  if (command !== "join")
    return usage(`unknown command ${JSON.stringify(command)} for "kubeadm-ts"`, "kubeadm-ts", "kubeadm-ts [command]")
  if (rest[0] !== "phase") return routeJoin(["join"], undefined, rest)
  const resolved = resolvePhase(rest.slice(1))
  return "leaf" in resolved ? routeJoin(resolved.path, resolved.leaf, resolved.rest) : resolved
}
