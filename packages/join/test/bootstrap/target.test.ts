import { describe, expect, it } from "vitest"
import { parse, stringify } from "yaml"
import {
  BootstrapConfigError, KUBELET_SIGNER, kubeletCsrObject, kubeletKubeconfig, retryAfterMs, targetFromKubeconfig
} from "../../src/bootstrap/index.js"

const b64 = (s: string) => Buffer.from(s).toString("base64")

describe("targetFromKubeconfig", () => {
  it("reads the current context's cluster and token (the bootstrap kubeconfig shape)", () => {
    const text = stringify({
      apiVersion: "v1", kind: "Config", "current-context": "tls-bootstrap-token-user@kubernetes",
      clusters: [{ name: "other", cluster: { server: "https://x:1", "certificate-authority-data": b64("nope") } },
        { name: "kubernetes", cluster: { server: "https://127.0.1.1:6443", "certificate-authority-data": b64("CA PEM") } }],
      contexts: [{ name: "tls-bootstrap-token-user@kubernetes", context: { cluster: "kubernetes", user: "tls-bootstrap-token-user" } }],
      users: [{ name: "tls-bootstrap-token-user", user: { token: "abcdef.0123456789abcdef" } }]
    })
    expect(targetFromKubeconfig(text)).toEqual({
      server: "https://127.0.1.1:6443", caPem: "CA PEM", token: "abcdef.0123456789abcdef", clientCertPem: undefined, clientKeyPem: undefined
    })
  })

  it("resolves file references through the given reader (kubelet.conf shape)", () => {
    const text = kubeletKubeconfig({ server: "https://h:6443", ca: { file: "/etc/kubernetes/pki/ca.crt" } })
    const files: Record<string, string> = { "/etc/kubernetes/pki/ca.crt": "CA", "/var/lib/kubelet/pki/kubelet-client-current.pem": "CERT+KEY" }
    const t = targetFromKubeconfig(text, (p) => files[p] ?? "")
    expect(t).toMatchObject({ server: "https://h:6443", caPem: "CA", clientCertPem: "CERT+KEY", clientKeyPem: "CERT+KEY" })
  })

  it("fails with BootstrapConfigError on a kubeconfig without a usable cluster or CA", () => {
    expect(() => targetFromKubeconfig("apiVersion: v1\nkind: Config\n")).toThrow(BootstrapConfigError)
    expect(() => targetFromKubeconfig(stringify({ clusters: [{ name: "a", cluster: { server: "https://h" } }] }))).toThrow("no certificate authority")
    expect(() => targetFromKubeconfig("{")).toThrow(BootstrapConfigError)
  })

  it("a malformed kubeconfig's error names line and column, never the credential on the bad line", () => {
    const secret = "0123456789abcdef"
    const keyData = b64("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkey\n-----END EC PRIVATE KEY-----\n")
    const bad = [
      `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: abcdef.${secret}: x\n`,
      `apiVersion: v1\nusers:\n- name: u\n  user: {client-key-data: ${keyData}\n`,
      `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: "abcdef.${secret}\n`
    ]
    for (const text of bad) {
      let error: unknown
      try {
        targetFromKubeconfig(text)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(BootstrapConfigError)
      const message = (error as BootstrapConfigError).message
      expect(message).toMatch(/^cannot parse the kubeconfig: not valid YAML: .+ at line \d+, column \d+$/)
      expect(message).not.toContain(secret)
      expect(message).not.toContain(keyData)
      expect(message).not.toContain("token:")
    }
    expect(() => targetFromKubeconfig(bad[0] ?? "")).toThrow("at line 6, column 12")
  })
})

describe("kubeletKubeconfig", () => {
  it("has the kubelet's names and points certificate and key at kubelet-client-current.pem", () => {
    const doc = parse(kubeletKubeconfig({ server: "https://h:6443", ca: { pem: "CA" } }))
    expect(doc).toEqual({
      apiVersion: "v1",
      clusters: [{ cluster: { "certificate-authority-data": b64("CA"), server: "https://h:6443" }, name: "default-cluster" }],
      contexts: [{ context: { cluster: "default-cluster", namespace: "default", user: "default-auth" }, name: "default-context" }],
      "current-context": "default-context",
      kind: "Config",
      preferences: {},
      users: [{ name: "default-auth", user: { "client-certificate": "/var/lib/kubelet/pki/kubelet-client-current.pem", "client-key": "/var/lib/kubelet/pki/kubelet-client-current.pem" } }]
    })
  })
})

describe("kubeletCsrObject", () => {
  it("v1 + ECDSA: signerName and usages of a current kubelet", () => {
    expect(kubeletCsrObject("PEM", "ecdsa", "v1")).toEqual({
      apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { generateName: "csr-" },
      spec: { request: b64("PEM"), usages: ["digital signature", "client auth"], signerName: KUBELET_SIGNER }
    })
  })
  it("v1beta1 (the v1.15 kubelet) and RSA keys add key encipherment; v1beta1 has no signerName", () => {
    expect(kubeletCsrObject("PEM", "ecdsa", "v1beta1").spec).toEqual({ request: b64("PEM"), usages: ["digital signature", "key encipherment", "client auth"] })
    expect(kubeletCsrObject("PEM", "rsa", "v1").spec.usages).toEqual(["digital signature", "key encipherment", "client auth"])
  })
})

describe("retryAfterMs", () => {
  it("reads delta-seconds", () => {
    expect(retryAfterMs({ "retry-after": "3" })).toBe(3000)
    expect(retryAfterMs({})).toBeUndefined()
    expect(retryAfterMs({ "retry-after": "soon" })).toBeUndefined()
  })
})
