/**
 * `kubeadm-ts completion bash|zsh|fish` (kubeadm's `completion`, plus fish) and the hidden
 * `__complete` command its scripts call, as cobra's do: the scripts are thin, the candidates
 * (commands, flags, phase names, check names) come from the flag table, the phase list and
 * the join's preflight check lists. The bundle (build.mjs) replaces the check lists by their
 * names, computed at build time, so neither `--help` nor a completion loads them.
 */
import { preflightCheckNames } from "@kubeadm-ts/join"
import { configLevel } from "./config-route.js"
import { type FlagSpec, flagsByName, flagsByShort, joinFlags } from "./flag-table.js"
import { completionShort, flagUsages, render } from "./help.js"
import { joinPhases, type PhaseInfo } from "./phase-list.js"
import { joinStringFlagNames } from "./join-string.js"

/** The shells `completion` writes a script for. */
export const supportedShells = ["bash", "zsh", "fish"] as const

const completionLong = `${completionShort}.
The shell code must be evaluated to provide interactive
completion of kubeadm-ts commands. This can be done by sourcing it from
the .bash_profile.

It completes the commands and sub-commands, every flag of the command being
completed, the phase names of 'join phase' and of --skip-phases, and the names
--ignore-preflight-errors takes: 'all' and the join's preflight checks. A check
named after a path or a port (FileAvailable-..., DirAvailable-..., Port-...) is
offered with the default configuration's path or port.

Note for zsh users: [1] zsh completions are only supported in versions of zsh >= 5.2`

const completionExample = `Examples:
  # Load the kubeadm-ts completion code for bash into the current shell
  source <(kubeadm-ts completion bash)

  # Write bash completion code to a file and source it from .bash_profile
  kubeadm-ts completion bash > ~/.kube/kubeadm-ts_completion.bash.inc
  printf "\\n# kubeadm-ts shell completion\\nsource '$HOME/.kube/kubeadm-ts_completion.bash.inc'\\n" >> $HOME/.bash_profile
  source $HOME/.bash_profile

  # Load the kubeadm-ts completion code for zsh[1] into the current shell
  source <(kubeadm-ts completion zsh)

  # Load the kubeadm-ts completion code for fish into the current shell
  kubeadm-ts completion fish | source`

/** `kubeadm-ts completion --help`: kubeadm's page, with fish. */
export const completionHelp = (): string =>
  render({
    long: `${completionLong}\n\n${completionExample}`,
    usage: ["kubeadm-ts completion SHELL [flags]"],
    flags: flagUsages([], "completion"),
    global: false
  })

const boilerPlate =
  "# kubeadm-ts shell completion; load with the line for your shell in 'kubeadm-ts completion --help'.\n"

const bashScript = `${boilerPlate}
# Each completion asks 'kubeadm-ts __complete <words up to the cursor>' for the candidates.
_kubeadm_ts() {
    local IFS=$'\\n'
    local words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
    COMPREPLY=($(kubeadm-ts __complete "\${words[@]}" 2>/dev/null))
}
complete -o default -F _kubeadm_ts kubeadm-ts
`

const zshScript = `#compdef kubeadm-ts
${boilerPlate}
# Each completion asks 'kubeadm-ts __complete <words up to the cursor>' for the candidates.
_kubeadm_ts() {
    local -a candidates
    candidates=("\${(@f)$(kubeadm-ts __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
    candidates=(\${candidates:#})
    if (( \${#candidates} )); then
        compadd -Q -- "\${candidates[@]}"
    else
        _files
    fi
}
if (( $+functions[compdef] )); then
    compdef _kubeadm_ts kubeadm-ts
fi
`

const fishScript = `${boilerPlate}
# Each completion asks 'kubeadm-ts __complete <words up to the cursor>' for the candidates.
function __kubeadm_ts_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l candidates (kubeadm-ts __complete $tokens[2..-1] "$current" 2>/dev/null)
    if test (count $candidates) -eq 0
        __fish_complete_path "$current"
    else
        printf '%s\\n' $candidates
    end
end
complete -c kubeadm-ts -f -a '(__kubeadm_ts_complete)'
`

/** The script for a shell, or kubeadm's error for no shell, several, or an unknown one. */
export const completionScript = (
  args: ReadonlyArray<string>
): { readonly script: string } | { readonly failure: string } => {
  const [shell] = args
  if (shell === undefined) return { failure: "shell not specified" }
  if (args.length > 1) return { failure: "too many arguments. expected only the shell type" }
  switch (shell) {
    case "bash":
      return { script: bashScript }
    case "zsh":
      return { script: zshScript }
    case "fish":
      return { script: fishScript }
    default:
      return {
        failure: `unsupported shell type ${JSON.stringify(shell)}, the supported shell types are [${supportedShells.join(" ")}]`
      }
  }
}

const commands = ["ca-cert-hash", "completion", "config", "join", "join-string", "version"]
const globalFlags = joinFlags.filter((f) => f.global === true).map((f) => f.name)
const visible = (phases: ReadonlyArray<PhaseInfo>) => phases.filter((p) => p.hidden !== true)

/** The phase full names --skip-phases takes (hidden ones are not offered). */
const skippable = (): ReadonlyArray<string> =>
  visible(joinPhases).flatMap((p) => [p.name, ...visible(p.children ?? []).map((c) => `${p.name}/${c.name}`)])

/** What one command level offers: its sub-commands and its flags. */
interface Level {
  readonly commands: ReadonlyArray<string>
  readonly flags: ReadonlyArray<string>
}

/** The level a command path (the positional words so far) reaches. */
const levelOf = (path: ReadonlyArray<string>): Level => {
  const [command, ...rest] = path
  switch (command) {
    case undefined:
      return { commands, flags: [] }
    case "join": {
      if (rest[0] !== "phase")
        return { commands: rest.length === 0 ? ["phase"] : [], flags: joinFlags.map((f) => f.name) }
      const parent = joinPhases.find((p) => p.name === rest[1])
      if (parent === undefined) return { commands: visible(joinPhases).map((p) => p.name), flags: globalFlags }
      const leaf = parent.children === undefined ? parent : parent.children.find((c) => c.name === rest[2])
      if (leaf === undefined) return { commands: visible(parent.children ?? []).map((c) => c.name), flags: globalFlags }
      return { commands: [], flags: [...(leaf.flags ?? []), ...globalFlags] }
    }
    case "config":
      return configLevel(rest)
    case "completion":
      return { commands: rest.length === 0 ? supportedShells : [], flags: [] }
    case "join-string":
      return { commands: [], flags: joinStringFlagNames }
    default:
      return { commands: [], flags: [] }
  }
}

/** Whether a word names a sub-command at the level `path` reaches (else it is an argument). */
const isCommand = (path: ReadonlyArray<string>, word: string) => levelOf(path).commands.includes(word)

/** Values of a flag: a comma list's last item is completed after the items already given. */
const values = (flag: FlagSpec, typed: string): ReadonlyArray<string> => {
  const names =
    flag.name === "skip-phases" ? skippable() : flag.name === "ignore-preflight-errors" ? preflightCheckNames() : []
  const cut = flag.kind === "strings" ? typed.lastIndexOf(",") + 1 : 0
  const given = typed.slice(0, cut)
  const taken = new Set(given.split(","))
  return names.filter((n) => n.startsWith(typed.slice(cut)) && !taken.has(n)).map((n) => given + n)
}

const flagOf = (word: string): FlagSpec | undefined =>
  word.startsWith("--") ? flagsByName.get(word.slice(2).split("=")[0] ?? "") : flagsByShort.get(word.slice(1, 2))

/**
 * The candidates for the last of `words` (the words after `kubeadm-ts`, the last one being
 * completed; "" after a space). bash splits `--flag=value` into `--flag`, `=`, `value` and
 * completes only what follows the `=`: such words are joined here and the answer is that part.
 */
export const complete = (words: ReadonlyArray<string>): ReadonlyArray<string> => {
  const joined: string[] = []
  let split = false
  for (const [i, word] of words.entries()) {
    const before = joined[joined.length - 1]
    const glued =
      before !== undefined &&
      ((word === "=" && before.startsWith("--")) || (words[i - 1] === "=" && before.endsWith("=")))
    if (glued) {
      joined[joined.length - 1] = before + word
      split = i === words.length - 1
    } else joined.push(word)
  }
  const current = joined.pop() ?? ""
  const path: string[] = []
  let pending: FlagSpec | undefined
  let dashes = false
  for (const word of joined) {
    if (pending !== undefined) pending = undefined
    else if (word === "--") dashes = true
    else if (!dashes && word.startsWith("-")) {
      const flag = flagOf(word)
      if (
        flag !== undefined &&
        flag.kind !== "bool" &&
        !word.includes("=") &&
        !(flag.short !== undefined && word.length > 2)
      )
        pending = flag
    } else if (isCommand(path, word)) path.push(word)
  }
  if (pending !== undefined) return values(pending, current)
  if (!dashes && current.startsWith("--") && current.includes("=")) {
    const at = current.indexOf("=")
    const flag = flagOf(current)
    if (flag === undefined || !levelOf(path).flags.includes(flag.name)) return []
    return values(flag, current.slice(at + 1)).map((v) => (split ? v : `${current.slice(0, at + 1)}${v}`))
  }
  const level = levelOf(path)
  if (!dashes && current.startsWith("-"))
    return [...level.flags.map((f) => `--${f}`), "--help"].filter((f) => f.startsWith(current))
  return level.commands.filter((c) => c.startsWith(current))
}
