/**
 * Help pages in cobra's layout (what `kubeadm join --help` prints), built from
 * the flag table and the phase list. @effect/cli's own help repeats every
 * parent's usage for nested sub-commands, so the CLI prints these instead;
 * they contain no colours, whatever the terminal.
 */
import { type FlagSpec, joinFlags } from "./flag-table.js"
import { joinPhases, type PhaseInfo, phaseTable } from "./phase-list.js"

const varName: Record<FlagSpec["kind"], string> = {
  string: "string",
  strings: "strings",
  bool: "",
  int32: "int32",
  int: "Level"
}

/** pflag's FlagUsages: sorted, one column for the usage, `(default x)` for non-zero defaults. */
export const flagUsages = (flags: ReadonlyArray<FlagSpec>, helpFor?: string): string => {
  const rows = flags.map((f) => {
    const name = f.short === undefined ? `      --${f.name}` : `  -${f.short}, --${f.name}`
    const left = varName[f.kind] === "" ? name : `${name} ${varName[f.kind]}`
    return {
      sortKey: f.name,
      left,
      usage: f.defaultText === undefined ? f.description : `${f.description} (default ${f.defaultText})`
    }
  })
  if (helpFor !== undefined) rows.push({ sortKey: "help", left: "  -h, --help", usage: `help for ${helpFor}` })
  rows.sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1))
  const width = Math.max(...rows.map((r) => r.left.length))
  return rows.map((r) => `${r.left.padEnd(width)}   ${r.usage}`).join("\n")
}

const commandList = (commands: ReadonlyArray<{ readonly name: string; readonly description: string }>): string => {
  const width = Math.max(11, ...commands.map((c) => c.name.length))
  return [...commands]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((c) => `  ${c.name.padEnd(width)} ${c.description}`)
    .join("\n")
}

const globalSection = `Global Flags:\n${flagUsages(joinFlags.filter((f) => f.global === true))}`

/** The sections of a cobra help page; `more` names the command in the closing "Use ... --help" hint. */
export interface Page {
  readonly long: string
  readonly usage: ReadonlyArray<string>
  readonly commands?: ReadonlyArray<{ readonly name: string; readonly description: string }>
  readonly flags: string
  readonly global: boolean
  readonly more?: string
}

/** Lays out a page as cobra does: sections separated by blank lines, in cobra's order. */
export const render = (p: Page): string =>
  [
    p.long,
    `Usage:\n${p.usage.map((u) => `  ${u}`).join("\n")}`,
    ...(p.commands === undefined ? [] : [`Available Commands:\n${commandList(p.commands)}`]),
    `Flags:\n${p.flags}`,
    ...(p.global ? [globalSection] : []),
    ...(p.more === undefined ? [] : [`Use "${p.more} [command] --help" for more information about a command.`])
  ].join("\n\n") + "\n"

/** kubeadm's one-line summary of join, shared by the root command list and join's own page. */
export const joinShort = "Run this on any machine you wish to join an existing cluster"

const joinLong = `${joinShort}

When joining a kubeadm initialized cluster, trust is established both ways.
Discovery makes the node trust the control plane: either a bootstrap token
with the API server endpoint, pinned with --discovery-token-ca-cert-hash
("sha256:<hex>" of the CA's SubjectPublicKeyInfo; repeat it or give a comma
list to allow several keys; 'kubeadm-ts ca-cert-hash ca.crt' prints it), or a
kubeconfig file or https:// URL given with --discovery-file (only one form).
--discovery-token-unsafe-skip-ca-verification joins without pinning, which
weakens security. TLS bootstrap makes the control plane trust the node: the
token given with --tls-bootstrap-token authenticates a certificate signing
request. --token sets both tokens.

The "join [api-server-endpoint]" command executes the following phases:
\`\`\`
${phaseTable()}
\`\`\``

/** kubeadm's one-line summary of `completion`, with fish added. */
export const completionShort = "Output shell completion code for the specified shell (bash, zsh or fish)"

/** `kubeadm-ts join-string` in one line (its page is join-string.ts's). */
export const joinStringShort = "Print a join line's endpoint, token, CA pins and certificate key as one join string"

const phaseShort = "Use this command to invoke single phase of the join workflow"

/** `kubeadm-ts --help`, also shown for a bare `kubeadm-ts`: the command list. */
export const rootHelp = (): string =>
  render({
    long: "kubeadm-ts: kubeadm join, in TypeScript. Turns a machine into a node of an existing Kubernetes cluster.",
    usage: ["kubeadm-ts [command]"],
    commands: [
      { name: "join", description: joinShort },
      { name: "version", description: "Print the version of kubeadm-ts" },
      {
        name: "ca-cert-hash",
        description: "Print the sha256 pin of a CA certificate's public key (for --discovery-token-ca-cert-hash)"
      },
      { name: "config", description: "Print, validate and migrate JoinConfiguration files (kubeadm config)" },
      { name: "completion", description: completionShort },
      { name: "join-string", description: joinStringShort }
    ],
    flags: flagUsages([], "kubeadm-ts"),
    global: false,
    more: "kubeadm-ts"
  })

/** `kubeadm-ts join --help`: how trust is established both ways, the phases and every join flag. */
export const joinHelp = (): string =>
  render({
    long: joinLong,
    usage: [
      "kubeadm-ts join [api-server-endpoint] [flags]",
      "kubeadm-ts join <join-string> [flags]",
      "kubeadm-ts join [command]"
    ],
    commands: [{ name: "phase", description: phaseShort }],
    flags: flagUsages(
      joinFlags.filter((f) => f.global !== true),
      "join"
    ),
    global: true,
    more: "kubeadm-ts join"
  })

/** `kubeadm-ts join phase --help`: the visible phases as sub-commands. */
export const phaseHelp = (): string =>
  render({
    long: `${phaseShort}\n\nThe phases and sub-phases:\n\`\`\`\n${phaseTable()}\n\`\`\``,
    usage: ["kubeadm-ts join phase [command]"],
    commands: joinPhases.filter((p) => p.hidden !== true),
    flags: flagUsages([], "phase"),
    global: true,
    more: "kubeadm-ts join phase"
  })

/** Help of `join phase <parent>` or `join phase <parent> <child>` / `join phase <leaf>`. */
export const phaseCommandHelp = (path: ReadonlyArray<string>, info: PhaseInfo): string => {
  const command = `kubeadm-ts join phase ${path.join(" ")}`
  if (info.children !== undefined) {
    return render({
      long: info.description,
      usage: [`${command} [command]`],
      commands: info.children,
      flags: flagUsages([], info.name),
      global: true,
      more: command
    })
  }
  const own = joinFlags.filter((f) => f.global !== true && (info.flags ?? []).includes(f.name))
  return render({
    long: info.description,
    usage: [`${command}${info.endpoint === true ? " [api-server-endpoint]" : ""} [flags]`],
    flags: flagUsages(own, info.name),
    global: true
  })
}

/** Help of `kubeadm-ts version`, which takes no flag but -h. */
export const versionHelp = (): string =>
  render({
    long: "Print the version of kubeadm-ts",
    usage: ["kubeadm-ts version [flags]"],
    flags: flagUsages([], "version"),
    global: false
  })

/** `kubeadm-ts ca-cert-hash --help`: what the pin is and which flag takes it. */
export const caCertHashHelp = (): string =>
  render({
    long: "Print the sha256 pin of a CA certificate's public key (SubjectPublicKeyInfo, RFC 7469), the value --discovery-token-ca-cert-hash takes.",
    usage: ["kubeadm-ts ca-cert-hash <ca.crt> [flags]"],
    flags: flagUsages([], "ca-cert-hash"),
    global: false
  })
