/**
 * JoinConfiguration v1beta3 and v1beta4: every field decoded into the model, kubeadm's
 * defaults, strict decoding (Kubernetes' own testdata), validation messages and field
 * paths, and the --config rules of current kubeadm.
 */
import { Duration, Either } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { decodeJoinConfiguration } from "../../src/config/decode.js"
import { checkConfigText } from "../../src/config/kubeadm-config.js"
import { loadJoin } from "../../src/config/load.js"
import { fakeEnv, flags, pin, token } from "./env.js"

const testdata = (name: string) => readFileSync(new URL(`./testdata/kubeadm/${name}`, import.meta.url), "utf8")
const right = (text: string, strict = false) => {
  const r = decodeJoinConfiguration(text, { strict })
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const left = (text: string, strict = false) => {
  const r = decodeJoinConfiguration(text, { strict })
  if (Either.isRight(r)) throw new Error("expected a ConfigError")
  return r.left
}
const ms = (d: Duration.Duration | undefined) => (d === undefined ? undefined : Duration.toMillis(d))
const env = { hostname: () => "Host-A", fileExists: (p: string) => p === "/etc/kubernetes/discovery.conf" }
const checked = (text: string) => checkConfigText(text, env)
const problem = (text: string) => {
  const r = checked(text)
  if (Either.isRight(r)) throw new Error("expected a validation error")
  return r.left
}
const gvk4 = 'schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"JoinConfiguration"}'
const discovery = `discovery:\n  bootstrapToken: {token: ${token}, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["${pin}"]}\n`
const v4 = (body: string, withDiscovery = true) =>
  `apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n${withDiscovery ? discovery : ""}${body}`
const v3 = (body: string, withDiscovery = true) =>
  `apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\n${withDiscovery ? discovery : ""}${body}`

describe("v1beta4: every field decodes into the model", () => {
  const full = `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
dryRun: true
caCertPath: /etc/kubernetes/pki/other-ca.crt
nodeRegistration:
  name: node-b
  criSocket: unix:///run/containerd/containerd.sock
  taints: [{key: dedicated, value: infra, effect: NoExecute}]
  kubeletExtraArgs:
  - {name: node-labels, value: a=1}
  - {name: node-labels, value: b=2}
  - {name: v, value: "4"}
  ignorePreflightErrors: [Swap, NumCPU]
  imagePullPolicy: Never
  imagePullSerial: false
discovery:
  bootstrapToken:
    token: ${token}
    apiServerEndpoint: 10.0.0.1:6443
    caCertHashes: ["${pin}"]
    unsafeSkipCAVerification: true
  tlsBootstrapToken: bcdefg.0123456789abcdef
controlPlane:
  localAPIEndpoint: {advertiseAddress: 10.0.0.7, bindPort: 7443}
  certificateKey: ${"e".repeat(64)}
skipPhases: [preflight, control-plane-join/mark-control-plane]
patches: {directory: /etc/kubernetes/patches}
timeouts:
  controlPlaneComponentHealthCheck: 1m
  kubeletHealthCheck: 2m30s
  kubernetesAPICall: 45s
  etcdAPICall: 1h
  tlsBootstrap: 90s
  discovery: 10m
  upgradeManifests: 7m
`
  const { config, warnings } = right(full, true)
  it("has no warnings", () => expect(warnings).toEqual([]))
  it("dryRun, caCertPath, skipPhases, patches.directory", () => {
    expect(config.dryRun).toBe(true)
    expect(config.caCertPath).toBe("/etc/kubernetes/pki/other-ca.crt")
    expect(config.skipPhases).toEqual(["preflight", "control-plane-join/mark-control-plane"])
    expect(config.patchesDirectory).toBe("/etc/kubernetes/patches")
  })
  it("nodeRegistration: name, criSocket, taints, ignorePreflightErrors, imagePullPolicy, imagePullSerial", () => {
    expect(config.nodeRegistration).toMatchObject({
      name: "node-b",
      criSocket: "unix:///run/containerd/containerd.sock",
      taints: [{ key: "dedicated", value: "infra", effect: "NoExecute" }],
      ignorePreflightErrors: ["Swap", "NumCPU"],
      imagePullPolicy: "Never",
      imagePullSerial: false
    })
  })
  it("kubeletExtraArgs: a name/value list, repeated names kept in order; the map view keeps the last", () => {
    expect(config.nodeRegistration.kubeletExtraArgList).toEqual([
      { name: "node-labels", value: "a=1" },
      { name: "node-labels", value: "b=2" },
      { name: "v", value: "4" }
    ])
    expect(config.nodeRegistration.kubeletExtraArgs).toEqual({ "node-labels": "b=2", v: "4" })
  })
  it("discovery and controlPlane", () => {
    expect(config.discovery.bootstrapToken).toEqual({
      token,
      apiServerEndpoint: "10.0.0.1:6443",
      caCertHashes: [pin],
      unsafeSkipCAVerification: true
    })
    expect(config.discovery.tlsBootstrapToken).toBe("bcdefg.0123456789abcdef")
    expect(config.controlPlane).toEqual({
      localAPIEndpoint: { advertiseAddress: "10.0.0.7", bindPort: 7443 },
      certificateKey: "e".repeat(64),
      etcdLearnerMode: false
    })
  })
  it("every timeout (timeouts.discovery becomes discovery.timeout)", () => {
    const t = config.timeouts
    expect(
      [
        t?.controlPlaneComponentHealthCheck,
        t?.kubeletHealthCheck,
        t?.kubernetesAPICall,
        t?.etcdAPICall,
        t?.tlsBootstrap,
        t?.upgradeManifests
      ].map(ms)
    ).toEqual([60_000, 150_000, 45_000, 3_600_000, 90_000, 420_000])
    expect(ms(config.discovery.timeout)).toBe(600_000)
  })
})

describe("v1beta4: kubeadm's defaults", () => {
  const { config } = right(v4(""))
  it("timeouts", () => {
    const t = config.timeouts
    expect(
      [
        t?.controlPlaneComponentHealthCheck,
        t?.kubeletHealthCheck,
        t?.kubernetesAPICall,
        t?.etcdAPICall,
        t?.tlsBootstrap,
        t?.upgradeManifests,
        config.discovery.timeout
      ].map(ms)
    ).toEqual([240_000, 240_000, 60_000, 120_000, 300_000, 300_000, 300_000])
  })
  it("imagePullPolicy IfNotPresent, imagePullSerial true, caCertPath, tlsBootstrapToken from the token, nothing skipped", () => {
    expect(config.nodeRegistration.imagePullPolicy).toBe("IfNotPresent")
    expect(config.nodeRegistration.imagePullSerial).toBe(true)
    expect(config.caCertPath).toBe("/etc/kubernetes/pki/ca.crt")
    expect(config.discovery.tlsBootstrapToken).toBe(token)
    expect(config.skipPhases).toEqual([])
    expect(config.patchesDirectory).toBe("")
    expect(config.dryRun).toBe(false)
    expect(config.nodeRegistration.taints).toBeUndefined()
  })
  it("a file:// discovery file becomes a path; bindPort 6443", () => {
    const { config: c } = right(
      v4("discovery: {file: {kubeConfigPath: 'file:///etc/kubernetes/discovery.conf'}}\ncontrolPlane: {}\n", false)
    )
    expect(c.discovery.file?.kubeConfigPath).toBe("/etc/kubernetes/discovery.conf")
    expect(c.controlPlane?.localAPIEndpoint.bindPort).toBe(6443)
  })
  it("v1beta4 has no discovery.timeout: an unknown field", () => {
    expect(left(v4("discovery: {timeout: 1m, file: {kubeConfigPath: /x}}\n", false), true).message).toBe(
      `error unmarshaling configuration ${gvk4}: strict decoding error: unknown field "discovery.timeout"`
    )
  })
  it("v1beta3 kubeletExtraArgs (a map) is an unknown-typed field in v1beta4", () => {
    expect(left(v4("nodeRegistration: {kubeletExtraArgs: {v: '4'}}\n")).message).toContain(
      "nodeRegistration.kubeletExtraArgs"
    )
  })
})

describe("v1beta3: every field decodes into the model", () => {
  const { config, warnings } = right(
    `apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
caCertPath: /etc/kubernetes/pki/ca.crt
nodeRegistration:
  name: node-c
  criSocket: unix:///var/run/crio/crio.sock
  taints: []
  kubeletExtraArgs: {v: "2", cgroup-driver: systemd}
  ignorePreflightErrors: [all]
  imagePullPolicy: Always
discovery:
  file: {kubeConfigPath: https://example.com/cluster-info.yaml}
  tlsBootstrapToken: ${token}
  timeout: 2m
controlPlane:
  localAPIEndpoint: {advertiseAddress: "fd00::7"}
  certificateKey: ${"a".repeat(64)}
skipPhases: [kubelet-start]
patches: {directory: /p}
`,
    true
  )
  it("has no warnings", () => expect(warnings).toEqual([]))
  it("fields", () => {
    expect(config.nodeRegistration).toMatchObject({
      name: "node-c",
      criSocket: "unix:///var/run/crio/crio.sock",
      taints: [],
      ignorePreflightErrors: ["all"],
      imagePullPolicy: "Always",
      imagePullSerial: true
    })
    expect(config.discovery.file?.kubeConfigPath).toBe("https://example.com/cluster-info.yaml")
    expect(config.discovery.tlsBootstrapToken).toBe(token)
    expect(ms(config.discovery.timeout)).toBe(120_000)
    expect(config.controlPlane).toEqual({
      localAPIEndpoint: { advertiseAddress: "fd00::7", bindPort: 6443 },
      certificateKey: "a".repeat(64),
      etcdLearnerMode: false
    })
    expect(config.skipPhases).toEqual(["kubelet-start"])
    expect(config.patchesDirectory).toBe("/p")
    expect(config.dryRun).toBe(false)
    expect(ms(config.timeouts?.tlsBootstrap)).toBe(300_000)
  })
  it("kubeletExtraArgs map -> list sorted by name, as kubeadm converts it", () => {
    expect(config.nodeRegistration.kubeletExtraArgList).toEqual([
      { name: "cgroup-driver", value: "systemd" },
      { name: "v", value: "2" }
    ])
  })
  it("v1beta4-only fields are unknown in v1beta3", () => {
    expect(
      left(v3("dryRun: true\ntimeouts: {discovery: 1m}\nnodeRegistration: {imagePullSerial: true}\n"), true).message
    ).toBe(
      'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta3", Kind:"JoinConfiguration"}: strict decoding error: unknown field "dryRun", unknown field "nodeRegistration.imagePullSerial", unknown field "timeouts"'
    )
  })
  it("a bad discovery.timeout names the field", () => {
    const e = left(v3("").replace("discovery:\n", "discovery:\n  timeout: soon\n"))
    expect([e.message, e.field]).toEqual(['discovery.timeout: time: invalid duration "soon"', "discovery.timeout"])
  })
})

describe("strict decoding (Kubernetes' testdata, cmd/kubeadm/app/util/config/strict/testdata)", () => {
  it("valid_joincfg.yaml decodes without warnings", () => {
    const { config, warnings } = right(testdata("valid_joincfg.yaml"), true)
    expect(warnings).toEqual([])
    expect(config.caCertPath).toBe("relativepath")
  })
  it("invalid_unknown_field_joincfg.yaml: an error for validate/migrate, kubeadm's warning for join", () => {
    const text = testdata("invalid_unknown_field_joincfg.yaml")
    const message = `error unmarshaling configuration ${gvk4}: strict decoding error: unknown field "unknownField"`
    expect(left(text, true)).toMatchObject({ message, field: "unknownField" })
    expect(right(text).warnings).toEqual([`[config] WARNING: ${message}`])
  })
  it("invalid_duplicate_field_joincfg.yaml: Go's YAML line and key", () => {
    const text = testdata("invalid_duplicate_field_joincfg.yaml")
    expect(left(text, true).message).toBe(
      `error unmarshaling configuration ${gvk4}: strict decoding error: yaml: unmarshal errors:\n  line 4: key "caCertPath" already set in map`
    )
    expect(right(text).config.caCertPath).toBe("relativepath")
  })
  it("nested unknown fields with sigs.k8s.io/json paths, sorted; field names are case-sensitive", () => {
    const e = left(
      v4("nodeRegistration: {taints: [{key: a, effect: NoSchedule, x: 1}], Name: n}\ntimeouts: {tlsbootstrap: 1m}\n"),
      true
    )
    expect(e.message).toBe(
      `error unmarshaling configuration ${gvk4}: strict decoding error: unknown field "nodeRegistration.Name", unknown field "nodeRegistration.taints[0].x", unknown field "timeouts.tlsbootstrap"`
    )
  })
})

describe("multi-document files, as kubeadm reads them", () => {
  const text = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
---
${v4("")}`
  it("uses the JoinConfiguration and names each ignored document", () => {
    const { warnings, documents } = right(text)
    expect(warnings).toEqual([
      "[config] WARNING: Ignored configuration document with GroupVersionKind kubeadm.k8s.io/v1beta4, Kind=InitConfiguration",
      "[config] WARNING: Ignored configuration document with GroupVersionKind kubelet.config.k8s.io/v1beta1, Kind=KubeletConfiguration"
    ])
    expect(documents.map((d) => d.kind)).toEqual(["InitConfiguration", "KubeletConfiguration", "JoinConfiguration"])
  })
  it("a duplicate key's line counts from its own document", () => {
    expect(
      left(`apiVersion: v1\nkind: Foo\n---\n${v4("caCertPath: /a.crt\ncaCertPath: /b.crt\n")}`, true).message
    ).toContain('line 6: key "caCertPath" already set in map')
  })
  it("validate refuses an API kubeadm never had, naming it", () => {
    const e = problem(
      `apiVersion: kubeadm.k8s.io/v1beta5\nkind: JoinConfiguration\n---\napiVersion: example.com/v1\nkind: Foo\n`
    )
    expect(e.message).toBe(
      'unknown configuration APIs: []schema.GroupVersionKind{schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta5", Kind:"JoinConfiguration"}, schema.GroupVersionKind{Group:"example.com", Version:"v1", Kind:"Foo"}}'
    )
  })
  it("validate accepts the known companions and says it did not check them", () => {
    const r = checked(text)
    if (Either.isLeft(r)) throw new Error(r.left.message)
    expect(r.right.warnings).toEqual([
      "[config] WARNING: kubeadm-ts checks only JoinConfiguration: InitConfiguration (kubeadm.k8s.io/v1beta4) was not validated",
      "[config] WARNING: kubeadm-ts checks only JoinConfiguration: KubeletConfiguration (kubelet.config.k8s.io/v1beta1) was not validated"
    ])
  })
})

describe("validation: kubeadm's messages and field paths (validation_test.go cases where they apply)", () => {
  it("defaults the node name and the CRI socket like kubeadm without detection", () => {
    const r = checked(v4(""))
    if (Either.isLeft(r)) throw new Error(r.left.message)
    expect(r.right.config.nodeRegistration).toMatchObject({
      name: "host-a",
      criSocket: "unix:///var/run/containerd/containerd.sock"
    })
  })
  it("prepends unix:// to a bare socket path, with kubeadm's warning", () => {
    const r = checked(v4("nodeRegistration: {criSocket: /run/crio.sock}\n"))
    if (Either.isLeft(r)) throw new Error(r.left.message)
    expect(r.right.config.nodeRegistration.criSocket).toBe("unix:///run/crio.sock")
    expect(r.right.warnings[0]).toContain(
      'Automatically prepending scheme "unix" to the "criSocket" with value "/run/crio.sock"'
    )
  })
  it("an empty JoinConfiguration fails on discovery", () => {
    expect(problem("apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n").message).toBe(
      'discovery: Invalid value: "": bootstrapToken or file must be set'
    )
  })
  it("token and file together, a bad token", () => {
    const e = problem(
      v4(
        "discovery: {bootstrapToken: {token: 'abcdef.1234567890123456@foobar'}, file: {kubeConfigPath: /etc/kubernetes/discovery.conf}}\ncaCertPath: /some/cert.crt\n",
        false
      )
    )
    expect(e.message).toContain('discovery: Invalid value: "": bootstrapToken and file cannot both be set')
    expect(e.message).toContain(
      'discovery.bootstrapToken.token: Invalid value: "abcdef.<redacted>": the bootstrap token is invalid'
    )
  })
  it("a control plane's advertiseAddress and bindPort", () => {
    expect(problem(v4("controlPlane: {localAPIEndpoint: {advertiseAddress: aaa, bindPort: 1234}}\n")).message).toBe(
      'controlPlane.localAPIEndpoint.advertiseAddress: Invalid value: "aaa": ip address is not valid'
    )
    expect(problem(v4("controlPlane: {localAPIEndpoint: {advertiseAddress: 1.2.3.4, bindPort: -1}}\n")).message).toBe(
      "controlPlane.localAPIEndpoint.bindPort: Invalid value: -1: port number is not valid"
    )
  })
  it("imagePullPolicy (v1beta3 and v1beta4)", () => {
    expect(problem(v4("nodeRegistration: {imagePullPolicy: Sometimes}\n"))).toMatchObject({
      message: 'nodeRegistration.imagePullPolicy: Invalid value: "Sometimes": invalid pull policy',
      field: "nodeRegistration.imagePullPolicy"
    })
    expect(problem(v3("nodeRegistration: {imagePullPolicy: always}\n")).message).toBe(
      'nodeRegistration.imagePullPolicy: Invalid value: "always": invalid pull policy'
    )
  })
  it("kubeletExtraArgs entries without a name, by index", () => {
    expect(problem(v4("nodeRegistration: {kubeletExtraArgs: [{name: v, value: '1'}, {value: x}]}\n")).message).toBe(
      'nodeRegistration.kubeletExtraArgs: Invalid value: "index 1": argument has no name'
    )
    expect(problem(v3("nodeRegistration: {kubeletExtraArgs: {'': x}}\n")).message).toBe(
      'nodeRegistration.kubeletExtraArgs: Invalid value: "index 0": argument has no name'
    )
  })
  it("caCertPath must be absolute and end in .crt", () => {
    expect(problem(testdata("valid_joincfg.yaml")).message).toContain(
      'caCertPath: Invalid value: "relativepath": the ca certificate path must be an absolute path'
    )
  })
  it("every bad timeout names its field; a negative one too", () => {
    for (const field of [
      "controlPlaneComponentHealthCheck",
      "kubeletHealthCheck",
      "kubernetesAPICall",
      "etcdAPICall",
      "tlsBootstrap",
      "discovery",
      "upgradeManifests"
    ]) {
      expect(left(v4(`timeouts: {${field}: 5 minutes}\n`))).toMatchObject({
        message: `timeouts.${field}: time: invalid duration "5 minutes"`,
        field: `timeouts.${field}`
      })
    }
    expect(left(v4("timeouts: {tlsBootstrap: -1s}\n")).message).toBe(
      'timeouts.tlsBootstrap: Invalid value: "-1s": must not be negative'
    )
  })
  it("wrongly typed fields name their path", () => {
    expect(left(v4("dryRun: maybe\nskipPhases: preflight\nnodeRegistration: {imagePullSerial: 1}\n")).message).toMatch(
      /dryRun.*skipPhases|skipPhases.*dryRun/
    )
    expect(left(v4("nodeRegistration: {imagePullSerial: 1}\n")).message).toContain(
      "nodeRegistration.imagePullSerial: Expected boolean"
    )
    expect(left(v4("patches: {directory: 3}\n")).message).toContain("patches.directory: Expected string")
  })
})

describe("loadJoin with a v1beta3/v1beta4 file", () => {
  const at = (text: string) => fakeEnv({ "/join.yaml": text })
  const load = (text: string, given: Parameters<typeof flags>[0] = {}, changed: ReadonlyArray<string> = []) =>
    loadJoin(flags({ config: "/join.yaml", ...given }, ["config", ...changed]), at(text))
  it("joins with the file's skipPhases unless --skip-phases is given", () => {
    const text = v4("skipPhases: [preflight]\n")
    const a = load(text)
    const b = load(text, { skipPhases: ["kubelet-start"] }, ["skip-phases"])
    if (Either.isLeft(a) || Either.isLeft(b)) throw new Error("expected both to load")
    expect(a.right.options.skipPhases).toEqual(["preflight"])
    expect(b.right.options.skipPhases).toEqual(["kubelet-start"])
  })
  it("current kubeadm's mixing rule: --cri-socket is refused next to a v1beta4 file (still allowed with v1beta2)", () => {
    const e = load(v4(""), { criSocket: "unix:///x.sock" }, ["cri-socket"])
    expect(Either.isLeft(e) && e.left.message).toBe("can not mix '--config' with arguments [cri-socket]")
    const old = load(
      `apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\n${discovery}`,
      { criSocket: "unix:///x.sock" },
      ["cri-socket"]
    )
    expect(Either.isRight(old)).toBe(true)
    const ok = load(v3(""), { nodeName: "n1", ignorePreflightErrors: ["Swap"] }, [
      "node-name",
      "ignore-preflight-errors",
      "skip-phases",
      "rootfs",
      "v"
    ])
    expect(Either.isRight(ok)).toBe(true)
  })
  it("dryRun: true asks for a dry run; --dry-run, allowed next to the file, wins over it either way", () => {
    const dryRunOf = (r: ReturnType<typeof load>) => (Either.isRight(r) ? r.right.options.dryRun : r.left.message)
    expect(dryRunOf(load(v4("dryRun: true\n")))).toBe(true)
    expect(dryRunOf(load(v4("")))).toBe(false)
    expect(dryRunOf(load(v4("dryRun: true\n"), { dryRun: false }, ["dry-run"]))).toBe(false)
    expect(dryRunOf(load(v4("dryRun: false\n"), { dryRun: true }, ["dry-run"]))).toBe(true)
    expect(dryRunOf(load(v3(""), { dryRun: true }, ["dry-run"]))).toBe(true)
  })
  it("reads patches.directory's files at load (kubeadm's order), and refuses a missing folder naming it", () => {
    const text = v3("patches: {directory: /etc/kubernetes/patches}\n")
    const r = loadJoin(
      flags({ config: "/join.yaml" }, ["config"]),
      fakeEnv({
        "/join.yaml": text,
        "/etc/kubernetes/patches/kube-apiserver+merge.yaml": "metadata: {labels: {a: b}}\n",
        "/etc/kubernetes/patches/etcd.yaml": "metadata: {labels: {a: b}}\n"
      })
    )
    if (Either.isLeft(r)) throw new Error(r.left.message)
    expect(r.right.warnings).toEqual([])
    expect(r.right.options.patches?.patchSets.map((s) => s.file)).toEqual(["etcd.yaml", "kube-apiserver+merge.yaml"])
    const missing = load(text)
    expect(Either.isLeft(missing) && [missing.left.field, missing.left.message]).toEqual([
      "patches.directory",
      'could not list patch files for path "/etc/kubernetes/patches": lstat /etc/kubernetes/patches: no such file or directory'
    ])
  })
  it("an unknown field only warns (kubeadm join does), and the join proceeds", () => {
    const r = load(v4("bogus: 1\n"))
    if (Either.isLeft(r)) throw new Error(r.left.message)
    expect(r.right.warnings).toEqual([
      `[config] WARNING: error unmarshaling configuration ${gvk4}: strict decoding error: unknown field "bogus"`
    ])
    expect(r.right.config.nodeRegistration.name).toBe("worker-1")
  })
})
