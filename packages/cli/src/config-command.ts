/**
 * `kubeadm-ts config print join-defaults | validate | migrate`: kubeadm's config
 * commands for JoinConfiguration. Routing (pflag rules, help pages) and the
 * @effect/cli commands; the decoding and checks live in @kubeadm-ts/join/config (kubeadm-config.ts).
 * Nothing is written unless the whole input is valid; `--config -` reads stdin.
 */
import { Command, Options } from "@effect/cli"
import { Effect, Either } from "effect"
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync
} from "node:fs"
import { hostname } from "node:os"
import { basename, dirname, join } from "node:path"
import { causeText } from "@kubeadm-ts/join/cause-text"
import {
  checkConfigText,
  type ConfigCommandEnv,
  joinDefaultsText,
  latestVersion,
  mandatory,
  migrateConfigText,
  placeholderToken
} from "@kubeadm-ts/join/config"
import { MAX_USER_YAML_BYTES } from "@kubeadm-ts/join/rootfs"
import { parseArgs } from "./argv.js"
import type { FlagSpec } from "./flag-table.js"
import { flagUsages, render } from "./help.js"
import { writeStdoutKeeping } from "./render.js"
import { CliFailure } from "./run-join.js"

const env: ConfigCommandEnv = { hostname: () => hostname(), fileExists: (p) => existsSync(p) }

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

const groupPages: Record<
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

const fail = (message: string) => new CliFailure({ message })

const tooLarge = (what: string) =>
  new Error(`${what} is larger than ${MAX_USER_YAML_BYTES} bytes (the limit for a config file)`)

/** Standard input (a pipe is non-blocking: read it as a stream), stopped at the size limit. */
const readStdin = (): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    process.stdin.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_USER_YAML_BYTES) {
        process.stdin.destroy()
        reject(tooLarge("standard input"))
      } else chunks.push(chunk)
    })
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    process.stdin.on("error", reject)
  })

const readFileBounded = (path: string): string => {
  const st = statSync(path)
  if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" })
  if (!st.isFile()) throw new Error("not a regular file")
  if (st.size > MAX_USER_YAML_BYTES) throw tooLarge("the file")
  return readFileSync(path, "utf8")
}

/** kubeadm reads these with os.ReadFile: a host path (no --rootfs here), or stdin for `-`; bounded like --config. */
const readInput = (path: string): Effect.Effect<string, CliFailure> =>
  Effect.tryPromise({
    try: () => (path === "-" ? readStdin() : Promise.resolve().then(() => readFileBounded(path))),
    catch: (e) => {
      const code = (e as { code?: string }).code
      const name = path === "-" ? "standard input" : path
      if (code === "ENOENT") return fail(`open ${name}: no such file or directory`)
      if (code === "EISDIR") return fail(`read ${name}: is a directory`)
      return fail(`read ${name}: ${causeText(e)}`)
    }
  })

const warn = (lines: ReadonlyArray<string>) => Effect.sync(() => lines.forEach((l) => process.stderr.write(l + "\n")))

/** Written next to its final name and renamed over it, so a failure leaves no half file. */
const writeAtomic = (path: string, text: string): Effect.Effect<void, CliFailure> =>
  Effect.try({
    try: () => {
      const temp = join(dirname(path), `.${basename(path)}.kubeadm-ts-${process.pid}.tmp`)
      try {
        const fd = openSync(temp, "wx", 0o600)
        try {
          writeSync(fd, text)
          fsyncSync(fd)
        } finally {
          closeSync(fd)
        }
        renameSync(temp, path)
      } catch (e) {
        rmSync(temp, { force: true })
        throw e
      }
    },
    catch: (e) => fail(`failed to write the new configuration to the file ${JSON.stringify(path)}: ${causeText(e)}`)
  })

const fromEither = <A>(e: Either.Either<A, { readonly message: string }>): Effect.Effect<A, CliFailure> =>
  Either.isRight(e) ? Effect.succeed(e.right) : Effect.fail(fail(e.left.message))

const printJoinDefaults = Command.make("join-defaults", {}, () =>
  Effect.flatMap(fromEither(joinDefaultsText(env)), (text) =>
    Effect.sync(() => writeStdoutKeeping(text, placeholderToken))
  )
)

const validate = Command.make(
  "validate",
  { config: Options.text("config").pipe(Options.withDefault("")) },
  ({ config }) =>
    Effect.gen(function* () {
      if (config === "") return yield* Effect.fail(fail(mandatory("config").message))
      const text = yield* readInput(config)
      const checked = yield* fromEither(checkConfigText(text, env))
      yield* warn(checked.warnings)
      process.stdout.write("ok\n")
    })
)

const migrate = Command.make(
  "migrate",
  {
    oldConfig: Options.text("old-config").pipe(Options.withDefault("")),
    newConfig: Options.text("new-config").pipe(Options.withDefault(""))
  },
  ({ oldConfig, newConfig }) =>
    Effect.gen(function* () {
      if (oldConfig === "") return yield* Effect.fail(fail(mandatory("old-config").message))
      const text = yield* readInput(oldConfig)
      const migrated = yield* fromEither(migrateConfigText(text, env))
      yield* warn(migrated.warnings)
      if (newConfig === "") process.stdout.write(migrated.yaml)
      else yield* writeAtomic(newConfig, migrated.yaml)
    })
)

/** The @effect/cli side of `config`: print join-defaults, validate and migrate. */
export const configCommand = Command.make("config").pipe(
  Command.withDescription(groupPages["config"]?.long ?? ""),
  Command.withSubcommands([Command.make("print").pipe(Command.withSubcommands([printJoinDefaults])), validate, migrate])
)

/** The sub-commands and flags of `config <words...>` (a group or a leaf), for shell completion. */
export const configLevel = (
  words: ReadonlyArray<string>
): { readonly commands: ReadonlyArray<string>; readonly flags: ReadonlyArray<string> } => ({
  commands: groupPages[["config", ...words].join(" ")]?.commands.map((c) => c.name) ?? [],
  flags: leaves[words.join(" ")]?.flags.map((f) => f.name) ?? []
})
