import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, Predicate } from "effect"
import {
  bootstrapKubeconfig,
  kubeletKubeconfig,
  loadKubeconfig,
  parseKubeconfig,
  selectCluster,
  serializeKubeconfig
} from "../src/kubeconfig/index.js"
import * as rootfs from "../src/rootfs/rootfs.js"

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

describe("kubeconfig", () => {
  it("serialises bootstrap-kubelet.conf in the documented layout", () => {
    const text = serializeKubeconfig(
      bootstrapKubeconfig({ server: "https://10.0.0.10:6443", caPem: CA, token: "abcdef.0123456789abcdef" })
    )
    expect(text).toBe(
      [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        `    certificate-authority-data: ${Buffer.from(CA).toString("base64")}`,
        "    server: https://10.0.0.10:6443",
        "  name: kubernetes",
        "contexts:",
        "- context:",
        "    cluster: kubernetes",
        "    user: tls-bootstrap-token-user",
        "  name: tls-bootstrap-token-user@kubernetes",
        "current-context: tls-bootstrap-token-user@kubernetes",
        "kind: Config",
        "preferences: {}",
        "users:",
        "- name: tls-bootstrap-token-user",
        "  user:",
        "    token: abcdef.0123456789abcdef",
        ""
      ].join("\n")
    )
  })

  it("round-trips and parses cluster-info's unnamed-cluster form with null lists", () => {
    const k = bootstrapKubeconfig({ server: "https://h:6443", caPem: CA, token: "abcdef.0123456789abcdef" })
    expect(Either.getOrThrow(parseKubeconfig(serializeKubeconfig(k)))).toEqual(k)
    const clusterInfo = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from(CA).toString("base64")}
    server: https://10.0.0.10:6443
  name: ""
contexts: null
current-context: ""
kind: Config
preferences: {}
users: null
`
    const parsed = Either.getOrThrow(parseKubeconfig(clusterInfo))
    expect(selectCluster(parsed)?.value).toEqual({ server: "https://10.0.0.10:6443", certificateAuthorityData: CA })
  })

  it("refuses junk with a KubeconfigError, never a throw", () => {
    for (const junk of [
      "",
      "[1,2",
      "kind: Pod",
      "clusters: 3",
      "clusters:\n- cluster:\n    certificate-authority-data: '%%%'"
    ]) {
      const r = parseKubeconfig(junk)
      expect(Either.isLeft(r) && r.left._tag).toBe("KubeconfigError")
    }
  })

  it.effect("loads kubelet.conf with the referenced client PEM inlined from the rootfs", () =>
    Effect.gen(function* () {
      const mem = rootfs.fake({
        "/etc/kubernetes/kubelet.conf": serializeKubeconfig(kubeletKubeconfig({ server: "https://h:6443", caPem: CA })),
        "/var/lib/kubelet/pki/kubelet-client-current.pem": "CERT+KEY"
      })
      const k = yield* loadKubeconfig("/etc/kubernetes/kubelet.conf").pipe(Effect.provide(mem.layer))
      expect(k.users[0]?.value.clientCertificateData).toBe("CERT+KEY")
      expect(k.users[0]?.value.clientKeyData).toBe("CERT+KEY")
      const missing = yield* Effect.either(
        loadKubeconfig("/etc/kubernetes/nothing.conf").pipe(Effect.provide(mem.layer))
      )
      expect(Either.isLeft(missing) && missing.left.message).toContain(
        `invalid kubeconfig "/etc/kubernetes/nothing.conf"`
      )
    })
  )
})

describe("kubeconfig parsing (properties)", () => {
  it.prop(
    "never throws on junk, always a KubeconfigError or a kubeconfig",
    [
      FastCheck.oneof(
        FastCheck.string(),
        FastCheck.json(),
        FastCheck.jsonValue().map((v) => JSON.stringify({ clusters: v, users: v, contexts: v }))
      )
    ],
    ([text]) => {
      const r = parseKubeconfig(text)
      return Either.isRight(r) || Predicate.isTagged(r.left, "KubeconfigError")
    }
  )
})
