/**
 * `kubeadm-ts config print join-defaults | validate | migrate`: kubeadm's config
 * commands for JoinConfiguration: the
 * @effect/cli commands (routing and help pages: config-route.ts); the decoding and checks live in
 * @kubeadm-ts/join/config (kubeadm-config.ts).
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
  mandatory,
  migrateConfigText,
  placeholderToken
} from "@kubeadm-ts/join/config"
import { MAX_USER_YAML_BYTES } from "@kubeadm-ts/join/rootfs"
import { groupPages } from "./config-route.js"
import { writeStdoutKeeping } from "./output.js"
import { CliFailure } from "./run-join.js"

const env: ConfigCommandEnv = { hostname: () => hostname(), fileExists: (p) => existsSync(p) }

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
