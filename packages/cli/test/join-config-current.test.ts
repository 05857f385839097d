/**
 * `join --config` with the JoinConfiguration versions current kubeadm reads (v1beta3, v1beta4),
 * through the built binary: each kind of bad input exits 1 naming the field (or the flags), never
 * prints the token, and leaves its fresh rootfs as it was. A successful join with such a file runs
 * in the e2e tests (packages/testkit/test/e2e/e2e-config-versions.test.ts and the real suites).
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { listing, removeDir, runCli, tempDir } from "./run-cli.js"

const secretToken = "q1w2e3.r4t5y6u7i8o9p0a1"
const pin = "sha256:" + "0a".repeat(32)
const discovery = `discovery:\n  bootstrapToken: {token: ${secretToken}, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["${pin}"]}\n`
const doc = (version: string, body: string) => `apiVersion: kubeadm.k8s.io/${version}\nkind: JoinConfiguration\n${body}`

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

/** Runs `join --rootfs ROOT --config ROOT-relative file` plus `flags`; returns the result and the listings. */
const joinWith = (text: string, flags: ReadonlyArray<string> = []) => {
  const root = tempDir("kubeadm-ts-join-config-")
  dirs.push(root)
  writeFileSync(join(root, "join.yaml"), text)
  const before = listing(root)
  const r = runCli(["join", "--rootfs", root, "--config", "/join.yaml", ...flags])
  return { ...r, before, after: listing(root) }
}

const bad: ReadonlyArray<{ name: string; text: string; flags?: ReadonlyArray<string>; message: string }> = [
  {
    name: "wrong apiVersion",
    text: doc("v1beta9", discovery),
    message: 'unsupported apiVersion "kubeadm.k8s.io/v1beta9" for JoinConfiguration'
  },
  {
    name: "v1beta4: a bad timeout",
    text: doc("v1beta4", `${discovery}timeouts: {tlsBootstrap: 4 minutes}\n`),
    message: 'timeouts.tlsBootstrap: time: invalid duration "4 minutes"'
  },
  {
    name: "v1beta4: a bad discovery timeout",
    text: doc("v1beta4", `${discovery}timeouts: {discovery: soon}\n`),
    message: 'timeouts.discovery: time: invalid duration "soon"'
  },
  {
    name: "v1beta3: a bad discovery.timeout",
    text: doc(
      "v1beta3",
      `discovery:\n  timeout: forever\n  bootstrapToken: {token: ${secretToken}, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["${pin}"]}\n`
    ),
    message: 'discovery.timeout: time: invalid duration "forever"'
  },
  {
    name: "v1beta4: a bad imagePullPolicy",
    text: doc("v1beta4", `${discovery}nodeRegistration: {imagePullPolicy: Sometimes}\n`),
    message: 'nodeRegistration.imagePullPolicy: Invalid value: "Sometimes"'
  },
  {
    name: "v1beta4 mixed with discovery flags",
    text: doc("v1beta4", discovery),
    flags: ["--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", pin],
    message: "can not mix '--config' with arguments [discovery-token-ca-cert-hash token]"
  },
  {
    name: "v1beta3 mixed with control-plane flags",
    text: doc("v1beta3", discovery),
    flags: ["--control-plane", "--certificate-key", "a".repeat(64)],
    message: "can not mix '--config' with arguments [certificate-key control-plane]"
  }
]

describe("join --config v1beta3/v1beta4: bad input exits 1, names the field, writes nothing", () => {
  for (const c of bad)
    it(c.name, () => {
      const r = joinWith(c.text, c.flags)
      expect(r.stderr).toContain(c.message)
      expect(r.code).toBe(1)
      expect(r.stdout).not.toContain("[preflight]")
      expect(r.stderr + r.stdout).not.toContain(secretToken.split(".")[1])
      expect(r.after).toEqual(r.before)
    })

  it.each(["v1beta3", "v1beta4"])(
    "%s: an unknown field gets kubeadm's strict-decoding warning (join warns, as kubeadm's does); nothing is written",
    (version) => {
      const r = joinWith(doc(version, `${discovery}nodeRegistration: {nmae: n1}\n`))
      expect(r.stderr).toContain(
        `[config] WARNING: error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"${version}", Kind:"JoinConfiguration"}: strict decoding error: unknown field "nodeRegistration.nmae"`
      )
      // this machine's rootfs is empty: preflight refuses it, so the join stops before writing
      expect(r.code).toBe(1)
      expect(r.stderr + r.stdout).not.toContain(secretToken.split(".")[1])
      expect(r.after).toEqual(r.before)
    }
  )
})
