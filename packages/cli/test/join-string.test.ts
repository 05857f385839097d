/**
 * `kubeadm-ts join-string` and `kubeadm-ts join <join-string>` through the built binary:
 * the string is printed by join-string alone; a damaged one, or one given with the flags it
 * replaces, is refused with exit 1, a message naming what is wrong, nothing written, and
 * never the string (nor the token's secret) in any output. The join with a real cluster is
 * packages/testkit/test/e2e/e2e-join-string.test.ts.
 */
import { Either } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { encodeJoinString } from "@kubeadm-ts/join/join-string"
import { route } from "../src/route.js"
import { listing, removeDir, runCli, tempDir } from "./run-cli.js"

const token = "k3x9qa.7fj2m0c8d1z5w4vb"
const secret = "7fj2m0c8d1z5w4vb"
const key = "d6f1c0b7a9e8243b5c1f0e7d9a8b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b"
const pin = `sha256:${"0a".repeat(32)}`
const pin2 = `sha256:${"1b".repeat(32)}`
const ep = "10.0.0.1:6443"

const roots: Array<string> = []
afterAll(() => roots.forEach(removeDir))

const make = (args: ReadonlyArray<string>): string => {
  const r = runCli(["join-string", ...args])
  expect(r.stderr).toBe("")
  expect(r.code).toBe(0)
  expect(r.stdout).toMatch(/^kts1a[a-z2-7]+\n$/)
  return r.stdout.trim()
}
const worker = make([ep, "--token", token, "--discovery-token-ca-cert-hash", `${pin},${pin2}`])

/** Output that holds no piece of the string and no secret. */
const expectNoSecret = (output: string, s = worker) => {
  expect(output).not.toContain(s.slice(4, 24))
  expect(output).not.toContain(s.slice(-20))
  expect(output).not.toContain(secret)
  expect(output).not.toContain(key)
}

describe("kubeadm-ts join-string", () => {
  it("prints one word for a worker's and a control plane's join line, alone on stdout", () => {
    const cp = make([
      ep,
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--control-plane",
      "--certificate-key",
      key
    ])
    expect(cp).not.toBe(worker)
    // The same line gives the same string.
    expect(
      make([ep, `--token=${token}`, "--discovery-token-ca-cert-hash", pin, "--discovery-token-ca-cert-hash", pin2])
    ).toBe(worker)
  })

  it("refuses what the join would refuse, with the flags' texts and exit 1, printing no string", () => {
    const fails = (args: ReadonlyArray<string>, message: string) => {
      const r = runCli(["join-string", ...args])
      expect(r.code).toBe(1)
      expect(r.stdout).toBe("")
      expect(r.stderr).toContain(message)
      expectNoSecret(r.stderr)
    }
    fails([ep, "--discovery-token-ca-cert-hash", pin], "--token is required")
    fails(
      [ep, "--token", token, "--discovery-token-ca-cert-hash", pin, "--certificate-key", key],
      "a certificate key is only used by a control-plane join (--control-plane)"
    )
    fails(
      [ep, "--token", token, "--discovery-token-ca-cert-hash", pin, "--control-plane", "--certificate-key", "12"],
      "--certificate-key: invalid certificate key size 1"
    )
    fails([ep, ep, "--token", token], "accepts 1 arg(s), received 2")
    fails(
      [ep, "--discovery-token-unsafe-skip-ca-verification"],
      "unknown flag: --discovery-token-unsafe-skip-ca-verification"
    )
  })

  it("has a help page, and is listed in the root help; join's usage names the string", () => {
    const help = runCli(["join-string", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("Usage:\n  kubeadm-ts join-string <api-server-endpoint> [flags]")
    expect(help.stdout).toMatch(/--discovery-token-ca-cert-hash strings/)
    expect(help.stdout).toContain("--certificate-key string")
    expect(runCli(["--help"]).stdout).toMatch(/\n {2}join-string +Print a join line's endpoint/)
    expect(runCli(["join", "--help"]).stdout).toContain("  kubeadm-ts join <join-string> [flags]")
  })
})

describe("kubeadm-ts join <join-string>", () => {
  it("stands for the endpoint and the flags it holds, those the command takes", () => {
    const cp = Either.getOrThrow(
      encodeJoinString({
        apiServerEndpoint: ep,
        token,
        caCertHashes: [pin, pin2],
        controlPlane: true,
        certificateKey: key
      })
    )
    const argv = (args: ReadonlyArray<string>) => {
      const r = route(args)
      return "argv" in r ? r.argv : r
    }
    expect(argv(["join", cp, "--node-name", "n1"])).toEqual([
      "join",
      ep,
      "--certificate-key=" + key,
      "--control-plane",
      "--discovery-token-ca-cert-hash",
      pin,
      "--discovery-token-ca-cert-hash",
      pin2,
      "--node-name=n1",
      "--token=" + token
    ])
    // kubelet-start takes neither --control-plane nor --certificate-key
    expect(argv(["join", "phase", "kubelet-start", cp])).toEqual([
      "join",
      "phase",
      "kubelet-start",
      ep,
      "--discovery-token-ca-cert-hash",
      pin,
      "--discovery-token-ca-cert-hash",
      pin2,
      "--token=" + token
    ])
  })

  /** Runs a join that must be refused before anything runs: exit 1, nothing written, no secret shown. */
  const refused = (args: ReadonlyArray<string>, message: string) => {
    const rootfs = tempDir()
    roots.push(rootfs)
    const before = listing(rootfs)
    const r = runCli(["join", ...args, "--rootfs", rootfs, "-v", "10"])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain(message)
    expect(r.stdout).toBe("")
    expectNoSecret(r.stdout + r.stderr)
    expect(listing(rootfs)).toEqual(before)
  }

  it("a damaged string is refused, saying what is wrong, with nothing written and nothing echoed", () => {
    const at = 40
    const changed = worker.slice(0, at) + (worker.charAt(at) === "b" ? "c" : "b") + worker.slice(at + 1)
    refused([changed], "damaged join string: its checksum does not match; copy the whole string again")
    refused([worker.slice(0, 60)], "shorter than any join string (cut off?)")
    refused(
      [`${worker.slice(0, 50)}1${worker.slice(51)}`],
      "damaged join string: character 51 is not one a join string holds"
    )
    refused([`kts2${worker.slice(4)}`], "unsupported join string: it is version 2")
  })

  it("flags the string already gives are refused by name", () => {
    refused(
      [worker, "--discovery-token-ca-cert-hash", pin, "--certificate-key", key],
      "do not also pass --discovery-token-ca-cert-hash, --certificate-key"
    )
    refused([worker, "--control-plane"], "for a worker node: do not also pass --control-plane")
    refused([worker, "--config", "/nonexistent.yaml"], "do not also pass --config")
  })

  it("argv typos around a string never quote it", () => {
    for (const args of [
      ["join", `-t${worker}`],
      ["join", `--tokn=${worker}`],
      ["join-string", `-x${worker}`],
      ["join", "phase", "preflight", worker, worker],
      ["join", "phase", "control-plane-join", "mark-control-plane", worker]
    ]) {
      const r = route(args)
      const text = "usageError" in r ? `${r.usageError} ${r.usageLine}` : JSON.stringify(r)
      expect("usageError" in r, text).toBe(true)
      expectNoSecret(text)
    }
  })

  it("a string put where it does not belong is never echoed", () => {
    refused([ep, "--token", worker, "--discovery-token-ca-cert-hash", pin], "the bootstrap token is invalid")
    const r = runCli(["join", "phase", "control-plane-join", "mark-control-plane", worker])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('unknown command "kts1<redacted>"')
    expectNoSecret(r.stderr)
  })
})
