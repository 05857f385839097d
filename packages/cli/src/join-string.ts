/**
 * The join string on the command line (beyond kubeadm; kubeadm issues 1454 and 2656):
 * `kubeadm-ts join-string <endpoint> --token ... --discovery-token-ca-cert-hash ...
 * [--control-plane [--certificate-key ...]]` prints one word holding all of it, and
 * `kubeadm-ts join <string>` takes that word in place of the endpoint and those flags.
 * The format and its checks are the join package's (`@kubeadm-ts/join/join-string`). The
 * string carries the token and the certificate key, so nothing here quotes it: errors
 * name what is wrong and which flags conflict, and only `join-string` itself prints it.
 */
import { Args, Command, Options } from "@effect/cli"
import { decodeJoinString, encodeJoinString, looksLikeJoinString } from "@kubeadm-ts/join/join-string"
import { Effect, Either } from "effect"
import type { ParsedArgs } from "./argv.js"
import { type FlagSpec, flagsByName } from "./flag-table.js"
import { flagUsages, joinStringShort, render } from "./help.js"
import { writeStdoutKeeping } from "./output.js"
import { CliFailure } from "./run-join.js"

/** The flags `join-string` takes: the join line's discovery flags, then the control-plane ones. */
export const joinStringFlagNames = [
  "token",
  "discovery-token-ca-cert-hash",
  "control-plane",
  "certificate-key"
] as const

const specs: ReadonlyArray<FlagSpec> = joinStringFlagNames.flatMap((n) => flagsByName.get(n) ?? [])

/** The flag lookup of `join-string` for the pflag-style parser. */
export const joinStringLookup = {
  byName: (name: string) => specs.find((s) => s.name === name),
  byShort: () => undefined
}

/** `kubeadm-ts join-string --help`. */
export const joinStringHelp = (): string =>
  render({
    long: `${joinStringShort}.

The join string is one copy-pasteable word for 'kubeadm-ts join <join-string>':
the API server endpoint, the bootstrap token, every --discovery-token-ca-cert-hash
pin and, for a control-plane join, --control-plane and the --certificate-key.
It is versioned ("kts1..."), checksummed (a damaged copy is refused with
nothing written) and checked as the join checks those flags. A join string
always pins the cluster CA.

It holds the bootstrap token and the certificate key: treat it as the secret
it is. kubeadm-ts prints it only here, never in messages or logs.

Examples:
  # A worker's join string, from the line 'kubeadm init' printed
  kubeadm-ts join-string 10.0.0.10:6443 --token abcdef.0123456789abcdef \\
      --discovery-token-ca-cert-hash sha256:<hex>

  # A control plane's, with the certificate key
  kubeadm-ts join-string 10.0.0.10:6443 --token ... --discovery-token-ca-cert-hash ... \\
      --control-plane --certificate-key <hex>

  # On the joining machine
  kubeadm-ts join kts1a...`,
    usage: ["kubeadm-ts join-string <api-server-endpoint> [flags]"],
    flags: flagUsages(specs, "join-string"),
    global: false
  })

/** `join-string`'s argv in the canonical form @effect/cli parses, after the pflag-style checks. */
export const joinStringArgv = (parsed: ParsedArgs): ReadonlyArray<string> => [
  "join-string",
  ...parsed.positionals,
  ...(parsed.values.get("token") ?? []).flatMap((t) => ["--token", t]),
  ...(parsed.values.get("discovery-token-ca-cert-hash") ?? []).flatMap((h) => ["--discovery-token-ca-cert-hash", h]),
  ...(parsed.values.get("control-plane")?.[0] === "true" ? ["--control-plane"] : []),
  ...(parsed.values.get("certificate-key") ?? []).flatMap((k) => ["--certificate-key", k])
]

/** Makes the string (checked as the join checks its flags) and prints it alone on stdout. */
export const joinStringCommand = Command.make(
  "join-string",
  {
    endpoint: Args.text({ name: "api-server-endpoint" }),
    token: Options.text("token").pipe(Options.withDefault("")),
    caCertHashes: Options.text("discovery-token-ca-cert-hash").pipe(Options.repeated),
    controlPlane: Options.boolean("control-plane"),
    certificateKey: Options.text("certificate-key").pipe(Options.withDefault(""))
  },
  ({ endpoint, token, caCertHashes, controlPlane, certificateKey }) =>
    token === ""
      ? Effect.fail(new CliFailure({ message: "--token is required: the join string carries the bootstrap token" }))
      : Either.match(
          encodeJoinString({ apiServerEndpoint: endpoint, token, caCertHashes, controlPlane, certificateKey }),
          {
            onLeft: (e) => Effect.fail(new CliFailure({ message: e.message })),
            // The one place the string is printed: stdout is redacted, and this is its purpose.
            onRight: (s) => Effect.sync(() => writeStdoutKeeping(`${s}\n`, s))
          }
        )
).pipe(Command.withDescription(joinStringShort))

/** Flags a join string replaces: given with one, they are refused rather than silently overridden. */
const replaced = [
  "config",
  "token",
  "discovery-token",
  "tls-bootstrap-token",
  "discovery-token-ca-cert-hash",
  "discovery-token-unsafe-skip-ca-verification",
  "discovery-file",
  "certificate-key"
]

/**
 * `join <join-string> ...`: the string checked and turned into the endpoint and the flags it
 * stands for (as if given on the command line), or the error text (never quoting it).
 * Only the flags the command `accepts` are set (`join phase kubelet-start` takes no
 * --certificate-key). Any other positional is left alone.
 */
export const expandJoinString = (
  parsed: ParsedArgs,
  accepts: (flag: string) => boolean
): Either.Either<ParsedArgs, string> => {
  const [first] = parsed.positionals
  if (first === undefined || !looksLikeJoinString(first)) return Either.right(parsed)
  const decoded = decodeJoinString(first)
  if (Either.isLeft(decoded)) return Either.left(decoded.left.message)
  const fields = decoded.right
  const roleFlags = fields.controlPlane ? [] : ["control-plane", "experimental-control-plane"]
  const conflicts = parsed.changed.filter((name) => replaced.includes(name) || roleFlags.includes(name))
  if (conflicts.length > 0) {
    const what = fields.controlPlane
      ? "the API server endpoint, the token, the CA pins and the control-plane settings"
      : "the API server endpoint, the token and the CA pins, for a worker node"
    return Either.left(
      `the join string already holds ${what}: do not also pass ${conflicts.map((c) => `--${c}`).join(", ")}`
    )
  }
  const held: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["token", [fields.token]],
    ["discovery-token-ca-cert-hash", fields.caCertHashes],
    ...(fields.controlPlane ? [["control-plane", ["true"]] as const] : []),
    ...(fields.certificateKey === "" ? [] : [["certificate-key", [fields.certificateKey]] as const])
  ]
  const given = held.filter(([name]) => accepts(name))
  const values = new Map(parsed.values)
  for (const [name, value] of given) values.set(name, value)
  return Either.right({
    ...parsed,
    positionals: [fields.apiServerEndpoint, ...parsed.positionals.slice(1)],
    values,
    changed: [...parsed.changed, ...given.map(([name]) => name).filter((n) => !parsed.changed.includes(n))]
  })
}
