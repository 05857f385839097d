/**
 * `kubeadm-ts config ...` before anything runs: the sub-command path, pflag parsing of its
 * flags, kubeadm's help pages and cobra-style usage errors. It loads neither @effect/cli nor
 * the config decoder (the bundle replaces its two constants from @kubeadm-ts/join/config with
 * data, see build.mjs), so help pages and usage errors start as fast as the root's.
 */
import * as Either from "effect/Either"
import { latestVersion, placeholderToken } from "@kubeadm-ts/join/config"
import { parseArgs } from "./argv.js"
import type { FlagSpec } from "./flag-table.js"
import { flagUsages, render } from "./help.js"

const configFlag: FlagSpec = {
  name: "config",
  kind: "string",
  description: "Path to a kubeadm configuration file; - reads standard input."
}
const oldConfigFlag: FlagSpec = {
  name: "old-config",
  kind: "string",
  description:
    "Path to the kubeadm config file that is using an old API version and should be converted. This flag is mandatory."
}
const newConfigFlag: FlagSpec = {
  name: "new-config",
  kind: "string",
  description:
    "Path to the resulting equivalent kubeadm config file using the new API version. Optional, if not specified output will be sent to STDOUT."
}

interface Leaf {
  readonly name: string
  readonly short: string
  readonly long: string
  readonly flags: ReadonlyArray<FlagSpec>
}

const leaves: Record<string, Leaf> = {
  "print join-defaults": {
    name: "join-defaults",
    short: "Print default join configuration, that can be used for 'kubeadm-ts join'",
    long: `This command prints objects such as the default join configuration that is used for 'kubeadm-ts join'.\n\nNote that sensitive values like the Bootstrap Token fields are replaced with placeholder values like "${placeholderToken}" in order to pass validation but\nnot perform the real computation for creating a token.`,
    flags: []
  },
  validate: {
    name: "validate",
    short: "Read a file containing the kubeadm configuration API and report any validation problems",
    long: `This command lets you validate a kubeadm configuration API file and report any warnings and errors.\nIf there are no errors the exit status will be zero, otherwise it will be non-zero.\nAny unmarshaling problems such as unknown API fields will trigger errors. Unknown API versions and\nfields with invalid values will also trigger errors. kubeadm-ts checks the JoinConfiguration document.\n\nIn this version of kubeadm-ts, JoinConfiguration kubeadm.k8s.io/v1beta1 to ${latestVersion} is supported.`,
    flags: [configFlag]
  },
  migrate: {
    name: "migrate",
    short:
      "Read an older version of the kubeadm configuration API types from a file, and output the similar config object for the newer version",
    long: `This command lets you convert configuration objects of older versions to the latest supported version,\nlocally in the CLI tool without ever touching anything in the cluster.\nIn this version of kubeadm-ts, JoinConfiguration kubeadm.k8s.io/v1beta1 to ${latestVersion} is read,\nand ${latestVersion} is written: the object is read, defaulted, validated and re-serialized\nto stdout or to --new-config (mode 0600: the file holds the bootstrap token; stdout shows it redacted).`,
    flags: [oldConfigFlag, newConfigFlag]
  }
}

/** The pages of the `config` groups: their long text and sub-commands. */
export const groupPages: Record<
  string,
  { readonly long: string; readonly commands: ReadonlyArray<{ name: string; description: string }> }
> = {
  config: {
    long: "Print, validate and migrate kubeadm configuration files (JoinConfiguration), as 'kubeadm config' does.",
    commands: [
      { name: "migrate", description: leaves["migrate"]?.short ?? "" },
      { name: "print", description: "Print configuration" },
      { name: "validate", description: leaves["validate"]?.short ?? "" }
    ]
  },
  "config print": {
    long: "This command prints configurations for subcommands provided.",
    commands: [{ name: "join-defaults", description: leaves["print join-defaults"]?.short ?? "" }]
  }
}

const groupHelp = (path: string): string => {
  const page = groupPages[path]
  return render({
    long: page?.long ?? "",
    usage: [`kubeadm-ts ${path} [flags]`, `kubeadm-ts ${path} [command]`],
    commands: page?.commands ?? [],
    flags: flagUsages([], path.split(" ").pop()),
    global: false,
    more: `kubeadm-ts ${path}`
  })
}

const leafHelp = (path: string, leaf: Leaf): string =>
  render({
    long: `${leaf.short}\n\n${leaf.long}`,
    usage: [`kubeadm-ts config ${path} [flags]`],
    flags: flagUsages(leaf.flags, leaf.name),
    global: false
  })

type Usage = { readonly usageError: string; readonly command: string; readonly usageLine: string }
/** Where a `config ...` argv goes: a help page, the argv for @effect/cli, or a cobra-style usage error. */
export type ConfigRoute =
  { readonly help: string } | { readonly argv: ReadonlyArray<string>; readonly changed: ReadonlyArray<string> } | Usage

/** `config ...`: the sub-command path, pflag parsing of its flags, or a help page / cobra usage error. */
export const routeConfig = (tokens: ReadonlyArray<string>): ConfigRoute => {
  const isName = (t: string | undefined): t is string => t !== undefined && !t.startsWith("-")
  const unknown = (word: string, path: string): Usage => ({
    usageError: `unknown command ${JSON.stringify(word)} for "kubeadm-ts ${path}"`,
    command: `kubeadm-ts ${path}`,
    usageLine: `kubeadm-ts ${path} [command]`
  })
  const [first, second] = tokens
  if (!isName(first)) return { help: groupHelp("config") }
  let path: string
  let rest: ReadonlyArray<string>
  if (first === "print") {
    if (!isName(second)) return { help: groupHelp("config print") }
    if (second !== "join-defaults") return unknown(second, "config print")
    path = "print join-defaults"
    rest = tokens.slice(2)
  } else if (first === "validate" || first === "migrate") {
    path = first
    rest = tokens.slice(1)
  } else return unknown(first, "config")
  const leaf = leaves[path]
  if (leaf === undefined) return unknown(first, "config")
  const command = `kubeadm-ts config ${path}`
  const usageLine = `${command} [flags]`
  const byName = new Map(leaf.flags.map((f) => [f.name, f]))
  const parsed = parseArgs(rest, { byName: (n) => byName.get(n), byShort: () => undefined })
  if (Either.isLeft(parsed)) return { usageError: parsed.left, command, usageLine }
  if (parsed.right.help) return { help: leafHelp(path, leaf) }
  const extra = parsed.right.positionals[0]
  if (extra !== undefined)
    return { usageError: `unknown command ${JSON.stringify(extra)} for "${command}"`, command, usageLine }
  const flagArgv = leaf.flags.flatMap((f) => {
    const values = parsed.right.values.get(f.name)
    return values === undefined ? [] : [`--${f.name}=${values[values.length - 1] ?? ""}`]
  })
  return { argv: ["config", ...path.split(" "), ...flagArgv], changed: parsed.right.changed }
}

/** The sub-commands and flags of `config <words...>` (a group or a leaf), for shell completion. */
export const configLevel = (
  words: ReadonlyArray<string>
): { readonly commands: ReadonlyArray<string>; readonly flags: ReadonlyArray<string> } => ({
  commands: groupPages[["config", ...words].join(" ")]?.commands.map((c) => c.name) ?? [],
  flags: leaves[words.join(" ")]?.flags.map((f) => f.name) ?? []
})
