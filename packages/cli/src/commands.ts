/**
 * The @effect/cli command tree: `join [api-server-endpoint]`, `join phase <phase>
 * [<sub-phase>]` for every phase, `version`, `ca-cert-hash <ca.crt>`. It parses
 * the canonical argv main.ts builds after its pflag-style checks.
 */
import { Args, Command, HelpDoc } from "@effect/cli"
import { Effect, Option } from "effect"
import { caCertHashCommand } from "./ca-cert-hash.js"
import { configCommand } from "./config-command.js"
import { joinOptions, toJoinFlags } from "./join-flags.js"
import { joinStringCommand } from "./join-string.js"
import { joinPhases, type PhaseInfo, phaseTable } from "./phase-list.js"
import type { JoinFlags } from "@kubeadm-ts/join/config"
import { type CliFailure, runJoin as runJoinLive } from "./run-join.js"
import { version } from "./version.js"

const endpointArg = Args.text({ name: "api-server-endpoint" }).pipe(
  Args.withDescription("host:port of the API server for token discovery"),
  Args.optional
)

const joinDescription = HelpDoc.blocks([
  HelpDoc.p("Run this on any machine you wish to join an existing cluster."),
  HelpDoc.p(
    "Discovery (the node trusts the control plane) uses either a bootstrap token with the API server endpoint, pinned with --discovery-token-ca-cert-hash (sha256 of the CA's SubjectPublicKeyInfo, repeatable), or a kubeconfig file / https:// URL given with --discovery-file. TLS bootstrap (the control plane trusts the node) uses --tls-bootstrap-token; --token sets both tokens."
  ),
  HelpDoc.p(`The "join [api-server-endpoint]" command executes the following phases:\n\n${phaseTable()}`),
  HelpDoc.p(
    "-h, --help: help for join. List flags (shown with ...) take repetition and comma-separated values; every flag also takes --flag=value."
  )
])

const nonEmpty = <A>(xs: ReadonlyArray<A>): [A, ...Array<A>] => {
  const [first, ...rest] = xs
  if (first === undefined) throw new Error("empty command list")
  return [first, ...rest]
}

/** What a join command does with its parsed flags (tests pass a recorder). */
export type JoinRunner = (flags: JoinFlags, phase: string | undefined) => Effect.Effect<void, CliFailure>

/** The tree @effect/cli parses; `changed` lists the flags given on the command line (from the argv pre-parse): the join refuses some next to --config and warns about others. */
export const rootCommand = (changed: ReadonlyArray<string>, runJoin: JoinRunner = runJoinLive) => {
  const leaf = (info: PhaseInfo, runName: string) => {
    const run = (values: Record<string, unknown>, endpoint: string | undefined) =>
      runJoin(toJoinFlags(values, endpoint, changed), runName)
    // The two shapes differ only in their parsed value, which nothing reads back.
    return info.endpoint === true
      ? Command.make(
          info.name,
          { ...joinOptions(info.flags ?? []), endpoint: endpointArg },
          ({ endpoint, ...values }) => run(values, Option.getOrUndefined(endpoint))
        ).pipe(Command.withDescription(info.description))
      : Command.make(info.name, joinOptions(info.flags ?? []), (values) => run(values, undefined)).pipe(
          Command.withDescription(info.description)
        )
  }

  const phaseCommands = joinPhases.map((p) =>
    p.children === undefined
      ? leaf(p, p.name)
      : Command.make(p.name).pipe(
          Command.withDescription(p.description),
          // `<parent> all` runs the whole parent, as kubeadm's hidden `all` sub-phase.
          Command.withSubcommands(
            nonEmpty(p.children.map((c) => leaf(c, c.name === "all" ? p.name : `${p.name}/${c.name}`)))
          )
        )
  )
  const phase = Command.make("phase").pipe(
    Command.withDescription(
      HelpDoc.blocks([
        HelpDoc.p("Use this command to invoke single phase of the join workflow"),
        HelpDoc.p(`Phases:\n\n${phaseTable()}`)
      ])
    ),
    Command.withSubcommands(nonEmpty(phaseCommands))
  )
  const join = Command.make("join", { ...joinOptions(), endpoint: endpointArg }, ({ endpoint, ...values }) =>
    runJoin(toJoinFlags(values, Option.getOrUndefined(endpoint), changed), undefined)
  ).pipe(Command.withDescription(joinDescription), Command.withSubcommands([phase]))

  const versionCommand = Command.make("version", {}, () =>
    Effect.sync(() => process.stdout.write(`kubeadm-ts version: v${version}\n`))
  ).pipe(Command.withDescription("Print the version of kubeadm-ts"))
  return Command.make("kubeadm-ts").pipe(
    Command.withDescription("kubeadm-ts: kubeadm join, in TypeScript"),
    Command.withSubcommands([join, versionCommand, caCertHashCommand, configCommand, joinStringCommand])
  )
}
