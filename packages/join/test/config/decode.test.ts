import { Duration, Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeJoinConfiguration } from "../../src/config/decode.js"

const right = (text: string) => {
  const r = decodeJoinConfiguration(text)
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const left = (text: string) => {
  const r = decodeJoinConfiguration(text)
  if (Either.isRight(r)) throw new Error("expected a ConfigError")
  return r.left
}

describe("decodeJoinConfiguration", () => {
  it("decodes v1beta2 with kubeadm's static defaults", () => {
    const { config, warnings } = right(`
apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
nodeRegistration:
  name: node-a
  kubeletExtraArgs: {node-ip: 10.0.0.12}
  ignorePreflightErrors: [Swap]
  taints: null
discovery:
  bootstrapToken:
    token: abcdef.0123456789abcdef
    apiServerEndpoint: 10.0.0.1:6443
    caCertHashes: ["sha256:${"a".repeat(64)}"]
controlPlane:
  certificateKey: ${"f".repeat(64)}
`)
    expect(warnings).toEqual([])
    expect(config.caCertPath).toBe("/etc/kubernetes/pki/ca.crt")
    expect(Duration.toMillis(config.discovery.timeout)).toBe(300_000)
    expect(config.discovery.tlsBootstrapToken).toBe("abcdef.0123456789abcdef")
    expect(config.discovery.bootstrapToken?.unsafeSkipCAVerification).toBe(false)
    expect(config.controlPlane?.localAPIEndpoint.bindPort).toBe(6443)
    expect(config.controlPlane?.certificateKey).toBe("f".repeat(64))
    expect(config.nodeRegistration.taints).toBeUndefined()
    expect(config.nodeRegistration.kubeletExtraArgs).toEqual({ "node-ip": "10.0.0.12" })
    expect(config.nodeRegistration.ignorePreflightErrors).toEqual(["Swap"])
  })

  it("decodes v1beta1; its unknown (v1beta2-only) fields only warn", () => {
    const { config, warnings } = right(`
apiVersion: kubeadm.k8s.io/v1beta1
kind: JoinConfiguration
discovery:
  file: {kubeConfigPath: "file:///etc/kubernetes/discovery.conf"}
  timeout: 1m30s
nodeRegistration:
  taints: []
controlPlane:
  certificateKey: abc
  localAPIEndpoint: {advertiseAddress: 10.0.0.5, bindPort: 7443}
`)
    expect(config.discovery.file?.kubeConfigPath).toBe("/etc/kubernetes/discovery.conf")
    expect(Duration.toMillis(config.discovery.timeout)).toBe(90_000)
    expect(config.nodeRegistration.taints).toEqual([])
    expect(config.controlPlane?.certificateKey).toBe("")
    expect(config.controlPlane?.localAPIEndpoint).toEqual({ advertiseAddress: "10.0.0.5", bindPort: 7443 })
    expect(warnings.join("\n")).toContain("certificateKey")
  })

  it("uses only the JoinConfiguration document of a multi-document file", () => {
    const { config } = right(`
apiVersion: kubeadm.k8s.io/v1beta2
kind: InitConfiguration
---
apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
discovery: {file: {kubeConfigPath: /x.conf}}
`)
    expect(config.discovery.file?.kubeConfigPath).toBe("/x.conf")
  })

  it("fails on documents without kind/apiVersion and duplicate kinds, aggregated", () => {
    const e = left(`
apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
---
foo: bar
---
apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
`)
    expect(e.message).toBe(
      '[invalid configuration: kind and apiVersion is mandatory information that needs to be specified in all YAML documents, invalid configuration: kind "JoinConfiguration" is specified twice in YAML file]'
    )
  })

  it("names the missing JoinConfiguration, old and unknown API versions", () => {
    expect(left("apiVersion: kubeadm.k8s.io/v1beta2\nkind: InitConfiguration\n").message).toBe(
      "no JoinConfiguration found in the supplied config"
    )
    expect(left("apiVersion: kubeadm.k8s.io/v1alpha3\nkind: JoinConfiguration\n").message).toBe(
      `your configuration file uses an old API spec: "kubeadm.k8s.io/v1alpha3". Please use kubeadm v1.14 instead and run 'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write the new, similar spec using a newer API version.`
    )
    expect(left("apiVersion: kubeadm.k8s.io/v1beta5\nkind: JoinConfiguration\n").message).toBe(
      'unsupported apiVersion "kubeadm.k8s.io/v1beta5" for JoinConfiguration: this version of kubeadm-ts reads kubeadm.k8s.io/v1beta1, kubeadm.k8s.io/v1beta2, kubeadm.k8s.io/v1beta3, kubeadm.k8s.io/v1beta4'
    )
  })

  it("reports wrongly typed fields and bad durations with their path", () => {
    expect(
      left(
        "apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\ncontrolPlane: {localAPIEndpoint: {bindPort: abc}}\n"
      ).message
    ).toContain("controlPlane.localAPIEndpoint.bindPort")
    expect(
      left("apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\ndiscovery: {timeout: soon}\n").message
    ).toBe('discovery.timeout: time: invalid duration "soon"')
  })

  it("never echoes a mistyped secret value", () => {
    const e = left(
      "apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\ndiscovery: {tlsBootstrapToken: 123456.1234567890123456}\n"
    )
    expect(e.message).toBe(
      "invalid JoinConfiguration (kubeadm.k8s.io/v1beta2): discovery.tlsBootstrapToken: Expected string"
    )
  })

  it("reports YAML syntax errors", () => {
    expect(left("kind: [unclosed\n").message).toMatch(/^error converting YAML to JSON/)
  })

  it("reports an alias without its anchor as a typed error, not a crash (found by the junk property)", () => {
    expect(left("*!").message).toMatch(/^error converting YAML to JSON: yaml: Unresolved alias/)
  })
})
