/**
 * `kubeadm-ts completion`: the scripts are loaded into real shells (bash, zsh, fish; installed by
 * packages/testkit/ensure-components.sh; a missing shell fails) which ask the built CLI for
 * completions, as they would on a terminal. Run `npm run build` first.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { preflightCheckNames } from "@kubeadm-ts/join"
import { bundle, removeDir, runCli, tempDir } from "./run-cli.js"

let dir = ""
let env: NodeJS.ProcessEnv = {}
const script = (shell: string) => {
  const r = runCli(["completion", shell])
  expect(r.code).toBe(0)
  const path = join(dir, `completion.${shell}`)
  writeFileSync(path, r.stdout)
  return path
}

beforeAll(() => {
  dir = tempDir("kubeadm-ts-completion-")
  // `kubeadm-ts` on the PATH is the built bundle, as an installed binary would be.
  const bin = join(dir, "kubeadm-ts")
  writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bundle)} "$@"\n`)
  chmodSync(bin, 0o755)
  env = { ...process.env, PATH: `${dir}:${process.env["PATH"] ?? ""}`, NO_COLOR: "1" }
})
afterAll(() => removeDir(dir))

const shell = (command: string, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const r = spawnSync(command, args, { encoding: "utf8", env, timeout: 30_000 })
  if (r.error !== undefined) throw r.error
  expect(r.stderr).toBe("")
  expect(r.status).toBe(0)
  return r.stdout.split("\n").filter((l) => l !== "")
}

/** COMP_WORDS as bash makes them: words split at blanks, and `=` (in COMP_WORDBREAKS) a word of its own. */
const bashWords = (line: string): ReadonlyArray<string> =>
  line.split(" ").flatMap((w) => (w.includes("=") ? w.split(/(=)/).filter((p) => p !== "") : [w]))

/** Sources the bash script, sets COMP_* for `line` (cursor at its end), runs the registered function: COMPREPLY. */
const bash = (line: string): ReadonlyArray<string> => {
  const words = bashWords(line)
  const program = [
    'source "$1"',
    // the function `complete -F` registered for kubeadm-ts
    'fn=$(complete -p kubeadm-ts | sed -E "s/.* -F ([^ ]+) .*/\\1/")',
    "COMP_LINE=$2",
    "COMP_POINT=${#COMP_LINE}",
    'shift 2; COMP_WORDS=("$@")',
    "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
    '"$fn" kubeadm-ts "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    'printf "%s\\n" "${COMPREPLY[@]}"'
  ].join("\n")
  return shell("bash", ["-c", program, "bash", script("bash"), line, ...words])
}

describe("kubeadm-ts completion bash, in bash", () => {
  it("completes commands", () => {
    expect(bash("kubeadm-ts j")).toEqual(["join", "join-string"])
    expect(bash("kubeadm-ts ")).toEqual(["ca-cert-hash", "completion", "config", "join", "join-string", "version"])
    expect(bash("kubeadm-ts config ")).toEqual(["migrate", "print", "validate"])
    expect(bash("kubeadm-ts completion ")).toEqual(["bash", "zsh", "fish"])
  })

  it("completes the flags of the command", () => {
    expect(bash("kubeadm-ts join --disc")).toEqual([
      "--discovery-file",
      "--discovery-token",
      "--discovery-token-ca-cert-hash",
      "--discovery-token-unsafe-skip-ca-verification"
    ])
    // `join phase check-etcd` takes no --node-name; `join phase kubelet-start` does
    expect(bash("kubeadm-ts join phase check-etcd --node")).toEqual([])
    expect(bash("kubeadm-ts join phase kubelet-start --node")).toEqual(["--node-name"])
    expect(bash("kubeadm-ts join phase control-plane-join etcd --etcd")).toEqual(["--etcd-learner"])
    expect(bash("kubeadm-ts config migrate --")).toEqual(["--old-config", "--new-config", "--help"])
  })

  it("completes join-string's flags", () => {
    expect(bash("kubeadm-ts join-string 10.0.0.10:6443 --")).toEqual([
      "--token",
      "--discovery-token-ca-cert-hash",
      "--control-plane",
      "--certificate-key",
      "--help"
    ])
    expect(bash("kubeadm-ts join-string --c")).toEqual(["--control-plane", "--certificate-key"])
  })

  it("completes the phases and sub-phases of join phase", () => {
    expect(bash("kubeadm-ts join phase ")).toEqual([
      "preflight",
      "control-plane-prepare",
      "kubelet-start",
      "etcd-join",
      "kubelet-wait-bootstrap",
      "control-plane-join",
      "wait-control-plane"
    ])
    expect(bash("kubeadm-ts join phase control-plane-prepare ")).toEqual([
      "download-certs",
      "certs",
      "kubeconfig",
      "control-plane"
    ])
  })

  it("completes phase names as values of --skip-phases, also after `=` and in a comma list", () => {
    expect(bash("kubeadm-ts join --skip-phases control-plane-prepare/c")).toEqual([
      "control-plane-prepare/certs",
      "control-plane-prepare/control-plane"
    ])
    expect(bash("kubeadm-ts join --skip-phases=control-plane-prepare/c")).toEqual([
      "control-plane-prepare/certs",
      "control-plane-prepare/control-plane"
    ])
    expect(bash("kubeadm-ts join --skip-phases preflight,kubelet-")).toEqual([
      "preflight,kubelet-start",
      "preflight,kubelet-wait-bootstrap"
    ])
  })

  it("completes the check names of --ignore-preflight-errors, taken from the join's check lists", () => {
    expect(bash("kubeadm-ts join --ignore-preflight-errors Sw")).toEqual(["Swap"])
    expect(bash("kubeadm-ts join phase preflight --ignore-preflight-errors Port-")).toEqual([
      "Port-10250",
      "Port-6443",
      "Port-10259",
      "Port-10257",
      "Port-2379",
      "Port-2380"
    ])
    // the bundle's names (taken at build time) are the check lists' own
    expect(bash("kubeadm-ts join --ignore-preflight-errors ")).toEqual(preflightCheckNames())
  })
})

describe("kubeadm-ts completion zsh, in zsh", () => {
  /** Sources the script and calls the function it registered with `words`/`CURRENT` set; compadd prints its candidates. */
  const zsh = (line: string): ReadonlyArray<string> => {
    const program = [
      "typeset -A registered",
      "compdef() { registered[$2]=$1 }",
      'compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; shift; print -l -- "$@" }',
      '_files() { print -- "<files>" }',
      'source "$1"',
      'words=("${(@s: :)2}")',
      "CURRENT=${#words}",
      '"${registered[kubeadm-ts]}"'
    ].join("\n")
    return shell("zsh", ["-c", program, "zsh", script("zsh"), line])
  }

  it("completes commands, flags, phases and check names", () => {
    expect(zsh("kubeadm-ts j")).toEqual(["join", "join-string"])
    expect(zsh("kubeadm-ts join --disc")).toHaveLength(4)
    expect(zsh("kubeadm-ts join phase control-plane-prepare ")).toEqual([
      "download-certs",
      "certs",
      "kubeconfig",
      "control-plane"
    ])
    expect(zsh("kubeadm-ts join --skip-phases=control-plane-prepare/c")).toEqual([
      "--skip-phases=control-plane-prepare/certs",
      "--skip-phases=control-plane-prepare/control-plane"
    ])
    expect(zsh("kubeadm-ts join --ignore-preflight-errors Sw")).toEqual(["Swap"])
    expect(zsh("kubeadm-ts join --config ")).toEqual(["<files>"])
  })
})

describe("kubeadm-ts completion fish, in fish", () => {
  /** fish's own completion of `line` (`complete -C`), candidates without descriptions. */
  const fish = (line: string): ReadonlyArray<string> =>
    shell("fish", ["--no-config", "-c", "source $argv[1]; complete -C $argv[2]", script("fish"), line]).map(
      (l) => l.split("\t")[0] ?? ""
    )

  it("completes commands, flags, phases and check names", () => {
    expect(fish("kubeadm-ts j")).toEqual(["join", "join-string"])
    expect(fish("kubeadm-ts join --disc")).toHaveLength(4)
    expect(fish("kubeadm-ts join phase control-plane-prepare ")).toEqual([
      "certs",
      "control-plane",
      "download-certs",
      "kubeconfig"
    ])
    expect(fish("kubeadm-ts join --skip-phases control-plane-prepare/c")).toEqual([
      "control-plane-prepare/certs",
      "control-plane-prepare/control-plane"
    ])
    expect(fish("kubeadm-ts join --ignore-preflight-errors Sw")).toEqual(["Swap"])
  })
})

describe("kubeadm-ts completion, its errors and help", () => {
  it("needs exactly one supported shell (kubeadm's messages, exit 1)", () => {
    expect(runCli(["completion"])).toMatchObject({ code: 1, stdout: "", stderr: "shell not specified\n" })
    expect(runCli(["completion", "tcsh"])).toMatchObject({
      code: 1,
      stdout: "",
      stderr: 'unsupported shell type "tcsh", the supported shell types are [bash zsh fish]\n'
    })
    expect(runCli(["completion", "bash", "zsh"])).toMatchObject({
      code: 1,
      stderr: "too many arguments. expected only the shell type\n"
    })
  })

  it("has a help page and is listed in the root help", () => {
    const help = runCli(["completion", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("source <(kubeadm-ts completion bash)")
    expect(help.stdout).toContain("Usage:\n  kubeadm-ts completion SHELL [flags]")
    expect(runCli(["--help"]).stdout).toMatch(/\n {2}completion +Output shell completion code/)
  })
})
