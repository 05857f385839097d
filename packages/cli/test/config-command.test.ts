/**
 * `kubeadm-ts config print join-defaults | validate | migrate` through the built binary:
 * the defaults round-trip through validate on stdin, migrate writes v1beta4, and each kind
 * of bad input exits 1 naming the field or file, with nothing written.
 */
import { spawnSync } from "node:child_process"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { bundle, listing, removeDir, runCli, tempDir } from "./run-cli.js"

const token = "abcdef.0123456789abcdef"
const secretToken = "q1w2e3.r4t5y6u7i8o9p0a1"
const pin = "sha256:" + "0a".repeat(32)

const runWithStdin = (args: ReadonlyArray<string>, input: string) => {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    input,
    encoding: "utf8",
    cwd: tmpdir(),
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: "1" }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const dirs: string[] = []
const dir = () => {
  const d = tempDir("kubeadm-ts-config-")
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach(removeDir))

describe("config print join-defaults", () => {
  const r = runCli(["config", "print", "join-defaults"])
  it("prints kubeadm's v1beta4 defaults (placeholder token, this host's name) and exits 0", () => {
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`apiVersion: kubeadm.k8s.io/v1beta4
caCertPath: /etc/kubernetes/pki/ca.crt
discovery:
  bootstrapToken:
    apiServerEndpoint: kube-apiserver:6443
    token: ${token}
    unsafeSkipCAVerification: true
  tlsBootstrapToken: ${token}
kind: JoinConfiguration
nodeRegistration:
  criSocket: unix:///var/run/containerd/containerd.sock
  imagePullPolicy: IfNotPresent
  imagePullSerial: true
  name: ${hostname().toLowerCase()}
  taints: null
timeouts:
  controlPlaneComponentHealthCheck: 4m0s
  discovery: 5m0s
  etcdAPICall: 2m0s
  kubeletHealthCheck: 4m0s
  kubernetesAPICall: 1m0s
  tlsBootstrap: 5m0s
  upgradeManifests: 5m0s
`)
  })
  it("round-trips: print join-defaults | config validate --config -", () => {
    const v = runWithStdin(["config", "validate", "--config", "-"], r.stdout)
    expect([v.code, v.stdout, v.stderr]).toEqual([0, "ok\n", ""])
  })
  it("takes no arguments", () => {
    const bad = runCli(["config", "print", "join-defaults", "extra"])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('unknown command "extra" for "kubeadm-ts config print join-defaults"')
  })
})

const v4 = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n${body}`
const discovery = `discovery:\n  bootstrapToken: {token: ${secretToken}, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["${pin}"]}\n`

describe("config validate", () => {
  it("says ok for a valid v1beta3 file", () => {
    const d = dir()
    writeFileSync(
      join(d, "j.yaml"),
      `apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\n${discovery}nodeRegistration: {name: n1}\n`
    )
    expect(runCli(["config", "validate", "--config", join(d, "j.yaml")])).toMatchObject({ code: 0, stdout: "ok\n" })
  })
  const bad: ReadonlyArray<{ name: string; text: string; message: string }> = [
    {
      name: "wrong apiVersion",
      text: "apiVersion: kubeadm.k8s.io/v1beta9\nkind: JoinConfiguration\n",
      message:
        'unknown configuration APIs: []schema.GroupVersionKind{schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta9", Kind:"JoinConfiguration"}}'
    },
    {
      name: "unknown field",
      text: v4(`${discovery}nodeRegistration: {nmae: n1}\n`),
      message: 'strict decoding error: unknown field "nodeRegistration.nmae"'
    },
    {
      name: "bad timeout",
      text: v4(`${discovery}timeouts: {kubeletHealthCheck: 4 minutes}\n`),
      message: 'timeouts.kubeletHealthCheck: time: invalid duration "4 minutes"'
    },
    {
      name: "bad value",
      text: v4(`${discovery}nodeRegistration: {imagePullPolicy: Sometimes}\n`),
      message: 'nodeRegistration.imagePullPolicy: Invalid value: "Sometimes": invalid pull policy'
    }
  ]
  for (const c of bad) {
    it(`${c.name}: exit 1, the field named, the token never printed`, () => {
      const r = runWithStdin(["config", "validate", "--config", "-"], c.text)
      expect(r.code).toBe(1)
      expect(r.stdout).toBe("")
      expect(r.stderr).toContain(c.message)
      expect(r.stderr + r.stdout).not.toContain(secretToken)
    })
  }
  it("names a missing file, and a missing --config", () => {
    expect(runCli(["config", "validate", "--config", "/nonexistent/j.yaml"])).toMatchObject({
      code: 1,
      stderr: "open /nonexistent/j.yaml: no such file or directory\n"
    })
    expect(runCli(["config", "validate"])).toMatchObject({ code: 1, stderr: "the --config flag is mandatory\n" })
  })
})

describe("config migrate", () => {
  const old = `apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
nodeRegistration:
  name: node-1
  kubeletExtraArgs: {v: "2", node-ip: 10.0.0.12}
${discovery}  timeout: 90s
controlPlane:
  certificateKey: ${"f".repeat(64)}
`
  it("writes v1beta4 to --new-config (0600: it holds the token) and nothing on stdout", () => {
    const d = dir()
    writeFileSync(join(d, "old.yaml"), old)
    const r = runCli(["config", "migrate", "--old-config", join(d, "old.yaml"), "--new-config", join(d, "new.yaml")])
    expect([r.code, r.stdout, r.stderr]).toEqual([0, "", ""])
    expect(statSync(join(d, "new.yaml")).mode & 0o777).toBe(0o600)
    const text = readFileSync(join(d, "new.yaml"), "utf8")
    expect(text).toContain("apiVersion: kubeadm.k8s.io/v1beta4")
    expect(text).toContain(
      '  kubeletExtraArgs:\n  - name: node-ip\n    value: 10.0.0.12\n  - name: v\n    value: "2"\n'
    )
    expect(text).toContain("  discovery: 1m30s\n")
    expect(text).toContain(`token: ${secretToken}`)
    expect(listing(d)).toEqual(["new.yaml", "old.yaml"])
    // The migrated file validates, and migrating it again changes nothing.
    expect(runCli(["config", "validate", "--config", join(d, "new.yaml")])).toMatchObject({ code: 0, stdout: "ok\n" })
    const again = runCli(["config", "migrate", "--old-config", join(d, "new.yaml")])
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(text.replaceAll(secretToken, "q1w2e3.<redacted>").replace("f".repeat(64), "<redacted>"))
  })
  it("on stdout the token and the certificate key are redacted", () => {
    const d = dir()
    writeFileSync(join(d, "old.yaml"), old)
    const r = runCli(["config", "migrate", "--old-config", join(d, "old.yaml")])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("token: q1w2e3.<redacted>")
    expect(r.stdout).not.toContain(secretToken)
    expect(r.stdout).not.toContain("f".repeat(64))
  })
  for (const [name, text, message] of [
    [
      "wrong apiVersion",
      "apiVersion: kubeadm.k8s.io/v2\nkind: JoinConfiguration\n",
      'Version:"v2", Kind:"JoinConfiguration"'
    ],
    ["unknown field", v4(`${discovery}bogus: 1\n`), 'unknown field "bogus"'],
    [
      "bad timeout",
      v4(`${discovery}timeouts: {discovery: -5m}\n`),
      'timeouts.discovery: Invalid value: "-5m": must not be negative'
    ]
  ] as const) {
    it(`${name}: exit 1, names the field, --new-config not written`, () => {
      const d = dir()
      writeFileSync(join(d, "old.yaml"), text)
      const r = runCli(["config", "migrate", "--old-config", join(d, "old.yaml"), "--new-config", join(d, "new.yaml")])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(message)
      expect(listing(d)).toEqual(["old.yaml"])
    })
  }
  it("requires --old-config", () => {
    expect(runCli(["config", "migrate"])).toMatchObject({ code: 1, stderr: "the --old-config flag is mandatory\n" })
  })
  it("names an unwritable --new-config and leaves no temp file", () => {
    const d = dir()
    writeFileSync(join(d, "old.yaml"), old)
    const r = runCli([
      "config",
      "migrate",
      "--old-config",
      join(d, "old.yaml"),
      "--new-config",
      join(d, "missing-dir", "new.yaml")
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `failed to write the new configuration to the file "${join(d, "missing-dir", "new.yaml")}"`
    )
    expect(listing(d)).toEqual(["old.yaml"])
  })
})

describe("config help and usage", () => {
  it("lists the sub-commands", () => {
    const r = runCli(["config", "--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/migrate[\s\S]*print[\s\S]*validate/)
  })
  it("refuses an unknown sub-command and flag the cobra way", () => {
    expect(runCli(["config", "bogus"]).stderr).toContain('unknown command "bogus" for "kubeadm-ts config"')
    expect(runCli(["config", "validate", "--bogus"]).stderr).toContain("unknown flag: --bogus")
  })
})
