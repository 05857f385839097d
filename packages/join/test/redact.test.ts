import { describe, expect, it } from "vitest"
import { redactSecrets } from "../src/redact.js"

describe("redactSecrets", () => {
  it("keeps a token's public id and hides its secret, wherever it sits", () => {
    expect(redactSecrets(`invalid "abcdef.0123456789abcdef"`)).toBe(`invalid "abcdef.<redacted>"`)
    expect(redactSecrets("10.0.0.1:6443abcdef.0123456789abcdef")).toBe("10.0.0.1:6443abcdef.<redacted>")
    expect(redactSecrets("a abcdef.0123456789abcdef b k3x9qa.7fj2m0c8d1z5w4vb")).toBe(
      "a abcdef.<redacted> b k3x9qa.<redacted>"
    )
  })

  it("hides long hex runs (certificate keys), but not a sha256: pin", () => {
    const key = "d6f1c0b7a9e8243b5c1f0e7d9a8b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b"
    expect(redactSecrets(`couldn't use "${key}" as "apiserver-advertise-address"`)).toBe(
      `couldn't use "<redacted>" as "apiserver-advertise-address"`
    )
    expect(redactSecrets(key.toUpperCase())).toBe("<redacted>")
    expect(redactSecrets(`pin sha256:${key}`)).toBe(`pin sha256:${key}`)
  })

  it("leaves ordinary output alone", () => {
    for (const line of [
      "discovery.bootstrapToken.apiServerEndpoint: Invalid value",
      `[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"`,
      "kubeadm.k8s.io/v1beta2",
      "etcd member 8e9e05c52164694d"
    ]) {
      expect(redactSecrets(line)).toBe(line)
    }
  })
})
