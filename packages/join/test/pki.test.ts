import "reflect-metadata"
import { execFileSync } from "node:child_process"
import { mkdtemp, readFile, rm, stat, writeFile, mkdir, unlink } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Ref } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { createCaCertificate, generateKeyPair, privateKeyToPem } from "../src/crypto/index.js"
import { type OutputLine } from "../src/output.js"
import { ensureControlPlaneCerts } from "../src/pki/index.js"
import { apiServerSans } from "../src/pki/specs.js"
import { firstHostIp } from "../src/pki/ip.js"
import * as crypto from "../src/crypto/crypto.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"
import type { ControlPlaneConfig } from "../src/manifests/control-plane-config.js"
import * as output from "../src/output.js"

const roots: string[] = []
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
})

/** A rootfs holding the shared CAs, as download-certs leaves it. */
const rootWithCas = async () => {
  const root = await mkdtemp(join(tmpdir(), "kubeadm-ts-pki-"))
  roots.push(root)
  const pki = join(root, "etc/kubernetes/pki")
  await mkdir(join(pki, "etcd"), { recursive: true })
  for (const [base, cn] of [
    ["ca", "kubernetes"],
    ["front-proxy-ca", "front-proxy-ca"],
    ["etcd/ca", "etcd-ca"]
  ] as const) {
    const k = await generateKeyPair("rsa-2048")
    await writeFile(join(pki, `${base}.crt`), await createCaCertificate(k, { commonName: cn }))
    await writeFile(join(pki, `${base}.key`), await privateKeyToPem(k.privateKey, "traditional"), { mode: 0o600 })
  }
  return { root, pki }
}

const runCerts = async (root: string, cfg: ControlPlaneConfig) => {
  const lines = Ref.unsafeMake<ReadonlyArray<OutputLine>>([])
  const result = await Effect.runPromise(
    Effect.either(ensureControlPlaneCerts(cfg)).pipe(
      Effect.provide(Layer.mergeAll(rootfs.layer(root), crypto.layer, output.fake(lines)))
    )
  )
  return {
    result,
    lines: Ref.get(lines)
      .pipe(Effect.runSync)
      .map((l) => l.text)
  }
}

const openssl = (...args: string[]) => execFileSync("openssl", args, { encoding: "utf8" })

const LEAVES: Array<[string, string]> = [
  ["apiserver", "ca"],
  ["apiserver-kubelet-client", "ca"],
  ["front-proxy-client", "front-proxy-ca"],
  ["etcd/server", "etcd/ca"],
  ["etcd/peer", "etcd/ca"],
  ["etcd/healthcheck-client", "etcd/ca"],
  ["apiserver-etcd-client", "etcd/ca"]
]

describe("control-plane certificates", () => {
  it("apiserver SANs follow kubeadm's order", () => {
    const sans = apiServerSans(
      sampleConfig({
        apiServer: {
          extraArgs: {},
          extraVolumes: [],
          certSANs: ["10.0.0.100", "Api.Example.com", "*.lb.example.com", "not valid!"]
        }
      })
    )
    expect(sans.dnsNames).toEqual([
      "cp-2",
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local",
      "lb.example.com",
      "api.example.com",
      "*.lb.example.com"
    ])
    expect(sans.ipAddresses).toEqual(["10.96.0.1", "10.0.0.12", "10.0.0.100"])
    expect(sans.skipped).toEqual(["not valid!"])
    expect(firstHostIp("fd00:10:96::/112")).toBe("fd00:10:96::1")
  })

  it("generates every leaf with kubeadm's names, subjects, usages, SANs and modes; openssl verifies them", async () => {
    const { root, pki } = await rootWithCas()
    const cfg = sampleConfig({ advertiseAddress: "127.0.1.12" })
    const { result, lines } = await runCerts(root, cfg)
    expect(result._tag).toBe("Right")
    if (result._tag === "Right")
      console.log(
        `certs: ${result.right.generated.length} RSA-2048 key pairs generated concurrently in ${result.right.keygenMillis} ms`
      )
    expect(lines[0]).toBe(`[certs] Using certificateDir folder "/etc/kubernetes/pki"`)
    expect(lines).toContain(`[certs] Generating "apiserver" certificate and key`)
    expect(lines).toContain(
      "[certs] apiserver serving cert is signed for DNS names [cp-2 kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local lb.example.com api.example.com] and IPs [10.96.0.1 127.0.1.12 10.0.0.100]"
    )
    expect(lines).toContain(`[certs] Generating "sa" key and public key`)
    for (const [leaf, ca] of LEAVES) {
      expect(openssl("verify", "-CAfile", join(pki, `${ca}.crt`), join(pki, `${leaf}.crt`)).trim()).toBe(
        `${join(pki, `${leaf}.crt`)}: OK`
      )
      expect((await stat(join(pki, `${leaf}.key`))).mode & 0o777).toBe(0o600)
      expect((await stat(join(pki, `${leaf}.crt`))).mode & 0o777).toBe(0o644)
      expect(await readFile(join(pki, `${leaf}.key`), "utf8")).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/)
    }
    expect((await stat(join(pki, "sa.key"))).mode & 0o777).toBe(0o600)
    expect((await stat(join(pki, "etcd"))).mode & 0o777).toBe(0o755)
    const ext = (leaf: string) =>
      openssl(
        "x509",
        "-in",
        join(pki, `${leaf}.crt`),
        "-noout",
        "-subject",
        "-ext",
        "subjectAltName,keyUsage,extendedKeyUsage"
      )
    const api = ext("apiserver")
    expect(api).toMatch(/subject=CN\s?=\s?kube-apiserver/)
    expect(api).toContain(
      "DNS:cp-2, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:lb.example.com, DNS:api.example.com, IP Address:10.96.0.1, IP Address:127.0.1.12, IP Address:10.0.0.100"
    )
    expect(api).toContain("Digital Signature, Key Encipherment")
    expect(api).toMatch(/TLS Web Server Authentication\s*$/m)
    const etcdServer = ext("etcd/server")
    expect(etcdServer).toMatch(/subject=CN\s?=\s?cp-2/)
    expect(etcdServer).toContain(
      "DNS:cp-2, DNS:localhost, IP Address:127.0.1.12, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
    )
    expect(etcdServer).toContain("TLS Web Server Authentication, TLS Web Client Authentication")
    for (const leaf of ["apiserver-kubelet-client", "etcd/healthcheck-client", "apiserver-etcd-client"]) {
      const e = ext(leaf)
      expect(e).toMatch(/subject=O\s?=\s?system:masters, CN\s?=\s?kube-/)
      expect(e).toMatch(/TLS Web Client Authentication\s*$/m)
      expect(e).not.toContain("Subject Alternative Name")
    }
    expect(ext("front-proxy-client")).toMatch(/subject=CN\s?=\s?front-proxy-client/)
    // validity: one year
    const end = openssl("x509", "-in", join(pki, "apiserver.crt"), "-noout", "-enddate").trim().replace("notAfter=", "")
    const days = (new Date(end).getTime() - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(364)
    expect(days).toBeLessThan(366)

    // second run: everything is reused
    const again = await runCerts(root, cfg)
    expect(again.result._tag).toBe("Right")
    expect(again.lines.filter((l) => l.startsWith("[certs] Using the existing"))).toHaveLength(LEAVES.length + 1)
  })

  it("an existing certificate that does not match is an error, and nothing is written", async () => {
    const { root, pki } = await rootWithCas()
    expect((await runCerts(root, sampleConfig({ advertiseAddress: "127.0.1.12" }))).result._tag).toBe("Right")
    await unlink(join(pki, "etcd/peer.crt"))
    await unlink(join(pki, "etcd/peer.key"))
    // same node, other advertise address: the old apiserver cert lacks the new IP
    const { result } = await runCerts(root, sampleConfig({ advertiseAddress: "127.0.1.13" }))
    expect(result._tag === "Left" && result.left.message).toMatch(
      /^failed to write or validate certificate "apiserver": certificate apiserver is invalid: x509: certificate is valid for .*, not 127\.0\.1\.13$/
    )
    await expect(stat(join(pki, "etcd/peer.crt"))).rejects.toThrow()
  })

  it("follows the cluster's key algorithm (ECDSA P-256)", async () => {
    const { root, pki } = await rootWithCas()
    const { result } = await runCerts(root, sampleConfig({ keyAlgorithm: "ECDSA-P256" }))
    expect(result._tag).toBe("Right")
    expect(await readFile(join(pki, "apiserver.key"), "utf8")).toMatch(/^-----BEGIN EC PRIVATE KEY-----/)
    expect(openssl("verify", "-CAfile", join(pki, "ca.crt"), join(pki, "apiserver.crt")).trim()).toMatch(/OK$/)
  })

  it("a CA without its key (external CA) requires the leaves to exist", async () => {
    const { root, pki } = await rootWithCas()
    await unlink(join(pki, "front-proxy-ca.key"))
    const { result } = await runCerts(root, sampleConfig())
    expect(result._tag === "Left" && result.left.message).toMatch(
      /^could not load expected certificate "front-proxy-client" or validate the existence of key "front-proxy-ca" for it/
    )
    await expect(stat(join(pki, "apiserver.crt"))).rejects.toThrow()
  })
})
