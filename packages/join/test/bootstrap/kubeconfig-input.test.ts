/** What the TLS bootstrap reads out of a kubeconfig, and the CSR and kubeconfig it writes. */
import { Effect, Either, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { parse, stringify } from "yaml"
import {
  KUBELET_SIGNER,
  kubeletCsr,
  kubeletKubeconfig,
  tlsBootstrap,
  TlsBootstrapError
} from "../../src/bootstrap/index.js"
import { statusError } from "../../src/internal/kube-api/errors.js"
import * as kubeApi from "../../src/kube-api/kube-api.js"
import { type Kubeconfig, parseKubeconfig, selectCluster, selectUser } from "../../src/kubeconfig/index.js"
import { loadKubeconfig } from "../../src/kubeconfig/load.js"
import * as rootfs from "../../src/rootfs/rootfs.js"

const b64 = (s: string) => Buffer.from(s).toString("base64")

/** The bootstrap's verdict on a kubeconfig (refused before anything is sent). */
const bootstrapFailure = async (k: Kubeconfig) => {
  const exit = await Effect.runPromiseExit(
    tlsBootstrap({ kubeconfig: k, nodeName: "n", timeout: "1 second" }).pipe(Effect.provide(kubeApi.layer))
  )
  return Exit.isFailure(exit) ? exit.cause : undefined
}

describe("the bootstrap kubeconfig", () => {
  it("the current context's cluster and token are used (the bootstrap kubeconfig shape)", () => {
    const text = stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "tls-bootstrap-token-user@kubernetes",
      clusters: [
        { name: "other", cluster: { server: "https://x:1", "certificate-authority-data": b64("nope") } },
        {
          name: "kubernetes",
          cluster: { server: "https://127.0.1.1:6443", "certificate-authority-data": b64("CA PEM") }
        }
      ],
      contexts: [
        {
          name: "tls-bootstrap-token-user@kubernetes",
          context: { cluster: "kubernetes", user: "tls-bootstrap-token-user" }
        }
      ],
      users: [{ name: "tls-bootstrap-token-user", user: { token: "abcdef.0123456789abcdef" } }]
    })
    const k = Either.getOrThrow(parseKubeconfig(text))
    expect(selectCluster(k)?.value).toMatchObject({
      server: "https://127.0.1.1:6443",
      certificateAuthorityData: "CA PEM"
    })
    expect(selectUser(k)?.value).toEqual({ token: "abcdef.0123456789abcdef" })
  })

  it("file references are inlined from the rootfs (kubelet.conf shape)", async () => {
    const text = kubeletKubeconfig({ server: "https://h:6443", ca: { file: "/etc/kubernetes/pki/ca.crt" } })
    const fs = rootfs.fake({
      "/etc/kubernetes/kubelet.conf": text,
      "/etc/kubernetes/pki/ca.crt": "CA",
      "/var/lib/kubelet/pki/kubelet-client-current.pem": "CERT+KEY"
    })
    const k = await Effect.runPromise(loadKubeconfig("/etc/kubernetes/kubelet.conf").pipe(Effect.provide(fs.layer)))
    expect(selectCluster(k)?.value).toMatchObject({ server: "https://h:6443", certificateAuthorityData: "CA" })
    expect(selectUser(k)?.value).toMatchObject({ clientCertificateData: "CERT+KEY", clientKeyData: "CERT+KEY" })
  })

  it("fails with a BadKubeconfig TlsBootstrapError without a usable cluster, CA or credential", async () => {
    const noCluster = Either.getOrThrow(
      parseKubeconfig(
        "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: abcdef.0123456789abcdef}}]\ncontexts: [{name: c, context: {user: u}}]\ncurrent-context: c\n"
      )
    )
    const noCa = Either.getOrThrow(
      parseKubeconfig(
        stringify({
          clusters: [{ name: "a", cluster: { server: "https://h" } }],
          users: [{ name: "u", user: { token: "abcdef.0123456789abcdef" } }],
          contexts: [{ name: "c", context: { cluster: "a", user: "u" } }],
          "current-context": "c"
        })
      )
    )
    const noCredential = Either.getOrThrow(
      parseKubeconfig(
        stringify({
          clusters: [{ name: "a", cluster: { server: "https://h", "certificate-authority-data": b64("CA") } }],
          contexts: [{ name: "c", context: { cluster: "a" } }],
          "current-context": "c"
        })
      )
    )
    for (const [k, text] of [
      [noCluster, "no cluster with a server"],
      [noCa, "no certificate-authority-data"],
      [noCredential, "no token and no client certificate"]
    ] as const) {
      const cause = await bootstrapFailure(k)
      const error = cause?._tag === "Fail" ? cause.error : undefined
      expect(error).toBeInstanceOf(TlsBootstrapError)
      expect(error?.reason).toBe("BadKubeconfig")
      expect(error?.message).toContain(text)
    }
    expect(Either.isLeft(parseKubeconfig("{"))).toBe(true)
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
      const parsed = parseKubeconfig(text)
      expect(Either.isLeft(parsed)).toBe(true)
      const message = Either.isLeft(parsed) ? parsed.left.message : ""
      expect(message).toMatch(/not valid YAML: .+ at line \d+, column \d+$/)
      expect(message).not.toContain(secret)
      expect(message).not.toContain(keyData)
      expect(message).not.toContain("token:")
    }
    const first = parseKubeconfig(bad[0] ?? "")
    expect(Either.isLeft(first) && first.left.message).toContain("at line 6, column 12")
  })
})

describe("kubeletKubeconfig", () => {
  it("has the kubelet's names and points certificate and key at kubelet-client-current.pem", () => {
    const doc: unknown = parse(kubeletKubeconfig({ server: "https://h:6443", ca: { pem: "CA" } }))
    expect(doc).toEqual({
      apiVersion: "v1",
      clusters: [
        { cluster: { "certificate-authority-data": b64("CA"), server: "https://h:6443" }, name: "default-cluster" }
      ],
      contexts: [
        { context: { cluster: "default-cluster", namespace: "default", user: "default-auth" }, name: "default-context" }
      ],
      "current-context": "default-context",
      kind: "Config",
      preferences: {},
      users: [
        {
          name: "default-auth",
          user: {
            "client-certificate": "/var/lib/kubelet/pki/kubelet-client-current.pem",
            "client-key": "/var/lib/kubelet/pki/kubelet-client-current.pem"
          }
        }
      ]
    })
  })
})

describe("kubeletCsr", () => {
  it("v1 + ECDSA: signerName and usages of a current kubelet", () => {
    expect(kubeletCsr("PEM", "ecdsa", "v1")).toEqual({
      generateName: "csr-",
      request: "PEM",
      usages: ["digital signature", "client auth"],
      signerName: KUBELET_SIGNER,
      apiVersion: "v1"
    })
  })
  it("v1beta1 (the v1.15 kubelet) and RSA keys add key encipherment", () => {
    expect(kubeletCsr("PEM", "ecdsa", "v1beta1").usages).toEqual([
      "digital signature",
      "key encipherment",
      "client auth"
    ])
    expect(kubeletCsr("PEM", "rsa", "v1").usages).toEqual(["digital signature", "key encipherment", "client auth"])
  })
})

describe("Retry-After", () => {
  it("reads delta-seconds", () => {
    expect(statusError("get x", "https://h", 429, undefined, "3").retryAfter).toBe(3)
    expect(statusError("get x", "https://h", 429, undefined).retryAfter).toBeUndefined()
    expect(statusError("get x", "https://h", 429, undefined, "soon").retryAfter).toBeUndefined()
  })
})
