/**
 * Secrets put in the wrong place are never echoed: a bootstrap token (id kept, secret
 * redacted) or a 64-hex certificate key given to any flag, as the endpoint, or in a
 * --config (a value, an unknown key, a YAML alias), at any --v. The error still names
 * what was wrong. A CA pin (sha256:<hex>) is public and stays printable.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { listing, removeDir, runCli, tempDir } from "./run-cli.js"

const token = "k3x9qa.7fj2m0c8d1z5w4vb"
const secret = "7fj2m0c8d1z5w4vb"
const key = "d6f1c0b7a9e8243b5c1f0e7d9a8b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b"
const pin = "sha256:" + "0a".repeat(32)
const ep = "10.0.0.1:6443"

const roots: Array<string> = []
afterAll(() => roots.forEach(removeDir))

const config = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\n${body}`
const discovery = `discovery:\n  bootstrapToken: {token: abcdef.0123456789abcdef, apiServerEndpoint: "${ep}", unsafeSkipCAVerification: true}\n`

interface Case {
  readonly name: string
  readonly args: ReadonlyArray<string>
  /** The error still says what was wrong. */
  readonly mentions: string
  readonly file?: string
}

const cases: ReadonlyArray<Case> = [
  {
    name: "token as the CA hash",
    args: [ep, "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", token],
    mentions: "discovery.bootstrapToken.caCertHashes"
  },
  {
    name: "token as the endpoint",
    args: [token, "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", pin],
    mentions: "apiServerEndpoint"
  },
  {
    name: "token as --cri-socket",
    args: [ep, "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", pin, "--cri-socket", token],
    mentions: "nodeRegistration.criSocket"
  },
  {
    name: "token in --skip-phases",
    args: [ep, "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", pin, "--skip-phases", token],
    mentions: "phase"
  },
  { name: "token as an unknown flag", args: [ep, `--${token}`], mentions: "unknown flag" },
  {
    name: "token as --node-name",
    args: [
      ep,
      "--token",
      "abcdef.0123456789abcdef",
      "--discovery-token-ca-cert-hash",
      pin,
      "--node-name",
      `bad_${token}`
    ],
    mentions: "nodeRegistration.name"
  },
  {
    name: "token as discovery.timeout",
    args: ["--config", "/join.yaml"],
    file: config(`${discovery.trimEnd().replace(/}$/, "")}}\n  timeout: ${token}\n`),
    mentions: "discovery.timeout"
  },
  {
    name: "token as an unknown config key",
    args: ["--config", "/join.yaml"],
    file: config(`${discovery}nodeRegistration: {${token}: x, name: Bad_Name}\n`),
    mentions: "nodeRegistration"
  },
  {
    name: "token as a YAML alias",
    args: ["--config", "/join.yaml"],
    file: config(`${discovery}caCertPath: *${token}\n`),
    mentions: "yaml"
  },
  {
    name: "certificate key as --apiserver-advertise-address",
    args: [
      ep,
      "--token",
      "abcdef.0123456789abcdef",
      "--discovery-token-ca-cert-hash",
      pin,
      "--control-plane",
      "--apiserver-advertise-address",
      key
    ],
    mentions: "apiserver-advertise-address"
  },
  {
    name: "certificate key as the CA hash (swapped flags)",
    args: [
      ep,
      "--token",
      "abcdef.0123456789abcdef",
      "--discovery-token-ca-cert-hash",
      key,
      "--control-plane",
      "--certificate-key",
      pin
    ],
    mentions: "caCertHashes"
  },
  {
    name: "certificate key in --ignore-preflight-errors",
    args: [
      ep,
      "--token",
      "abcdef.0123456789abcdef",
      "--discovery-token-ca-cert-hash",
      pin,
      "--ignore-preflight-errors",
      `all,${key}`
    ],
    mentions: "ignore-preflight-errors"
  }
]

describe("secrets given in the wrong place are redacted from every message", () => {
  for (const c of cases) {
    it(c.name, () => {
      const root = tempDir()
      roots.push(root)
      if (c.file !== undefined) writeFileSync(join(root, "join.yaml"), c.file)
      const before = listing(root)
      for (const v of ["0", "10"]) {
        const r = runCli(["join", ...c.args, "--rootfs", root, `--v=${v}`])
        const all = r.stdout + r.stderr
        expect(r.code, all).toBe(1)
        expect(all).toContain(c.mentions)
        expect(all).not.toContain(secret)
        expect(all).not.toContain(key)
        if (all.includes("k3x9qa.")) expect(all).toContain("k3x9qa.<redacted>")
      }
      expect(listing(root)).toEqual(before)
    })
  }

  it("a CA pin stays printable (ca-cert-hash prints sha256:<64 hex>)", () => {
    const root = tempDir()
    roots.push(root)
    const r = runCli([
      "join",
      ep,
      "--token",
      "abcdef.0123456789abcdef",
      "--discovery-token-ca-cert-hash",
      "sha256:" + "0a".repeat(31) + "zz",
      "--rootfs",
      root
    ])
    expect(r.stderr).toContain("sha256:" + "0a".repeat(31) + "zz")
  })
})
