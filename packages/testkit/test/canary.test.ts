/** The canary check every e2e run goes through (e2e/canary.ts) catches what it is there for. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { expectNoSecretLeak } from "./e2e/canary.js"

const token = "abcdef.0123456789abcdef"
const key = "0a".repeat(32)
const pem = `-----BEGIN EC PRIVATE KEY-----\n${"M".repeat(64)}\n${"N".repeat(20)}\n-----END EC PRIVATE KEY-----\n`
const args = (rootfs: string) => [
  "join",
  "10.0.0.1:6443",
  "--token",
  token,
  "--certificate-key",
  key,
  "--rootfs",
  rootfs
]
const quiet = { stdout: "[preflight] Running pre-flight checks\n", stderr: "" }

const roots: string[] = []
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })))
const machine = (files: Record<string, string>) => {
  const root = mkdtempSync(join(tmpdir(), "kubeadm-ts-canary-"))
  roots.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

describe("canary secrets", () => {
  it("passes a run that keeps them where they belong", () => {
    const root = machine({
      "etc/kubernetes/bootstrap-kubelet.conf": `users:\n- user:\n    token: ${token}\n`,
      "etc/kubernetes/pki/ca.key": pem,
      "etc/kubernetes/admin.conf": `client-key-data: ${Buffer.from(pem).toString("base64")}\n`
    })
    expectNoSecretLeak(args(root), { stdout: "token abcdef.<redacted>\n", stderr: "" }, Date.now())
  })

  it.each([
    ["the token secret in stderr", { stdout: "", stderr: `error: bad token ${token}` }],
    ["the certificate key in stdout", { stdout: `key ${key}`, stderr: "" }],
    ["a private key in stdout", { stdout: pem, stderr: "" }]
  ])("catches %s", (_, output) => {
    expect(() => expectNoSecretLeak(args(machine({})), output, Date.now())).toThrow()
  })

  it.each([
    ["the token in config.yaml", { "var/lib/kubelet/config.yaml": `x: ${token.split(".")[1] ?? ""}\n` }],
    ["the certificate key in a manifest", { "etc/kubernetes/manifests/etcd.yaml": `k: ${key}\n` }],
    ["a private key in a manifest", { "etc/kubernetes/pki/sa.key": pem, "etc/kubernetes/manifests/x.yaml": pem }],
    [
      "a kubeconfig's embedded key written out elsewhere",
      {
        "etc/kubernetes/admin.conf": `client-key-data: ${Buffer.from(pem).toString("base64")}\n`,
        "var/log/join.log": pem
      }
    ]
  ])("catches %s", (_, files) => {
    expect(() => expectNoSecretLeak(args(machine(files)), quiet, Date.now())).toThrow()
  })
})
