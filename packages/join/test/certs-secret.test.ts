import "reflect-metadata"
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Ref } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import {
  aesGcmSeal,
  createCaCertificate,
  generateCertificateKey,
  generateKeyPair,
  privateKeyToPem,
  publicKeyToPem
} from "../src/crypto/index.js"
import { downloadCerts } from "../src/certs-secret/index.js"
import { KubeApiError, type KubeClient, type Secret } from "../src/kube-api/kube-api.js"
import { type OutputLine } from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"
import * as output from "../src/output.js"

const roots: string[] = []
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
})

/** Every KubeClient method dies unless overridden (robust to the interface growing). */
const stubClient = (over: Partial<KubeClient>): KubeClient =>
  new Proxy(over, {
    get: (t, p) =>
      p in t ? (t as Record<string | symbol, unknown>)[p] : () => Effect.die(`${String(p)} not used in this test`)
  }) as KubeClient
const clientWith = (secret: Secret | undefined): KubeClient =>
  stubClient({
    server: "https://127.0.1.1:6443",
    getSecret: (ns, name) =>
      secret && ns === "kube-system" && name === "kubeadm-certs"
        ? Effect.succeed(secret)
        : Effect.fail(
            new KubeApiError({
              op: `get Secret ${ns}/${name}`,
              server: "https://127.0.1.1:6443",
              status: 404,
              reason: "NotFound",
              detail: `secrets "${name}" not found`
            })
          )
  })

/** What `kubeadm init --upload-certs` stores, sealed with `key`. */
const uploadedSecret = async (key: string): Promise<Secret> => {
  const files: Record<string, string> = {}
  for (const [k, cn] of [
    ["ca", "kubernetes"],
    ["front-proxy-ca", "front-proxy-ca"],
    ["etcd-ca", "etcd-ca"]
  ] as const) {
    const pair = await generateKeyPair("ecdsa-p256")
    files[`${k}.crt`] = await createCaCertificate(pair, { commonName: cn })
    files[`${k}.key`] = await privateKeyToPem(pair.privateKey, "traditional")
  }
  const sa = await generateKeyPair("rsa-2048")
  files["sa.key"] = await privateKeyToPem(sa.privateKey, "traditional")
  files["sa.pub"] = await publicKeyToPem(sa.publicKey)
  return {
    metadata: { name: "kubeadm-certs", namespace: "kube-system" },
    data: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, aesGcmSeal(key, v)]))
  }
}

const run = async (client: KubeClient, key: string, version = "v1.15.12") => {
  const root = await mkdtemp(join(tmpdir(), "kubeadm-ts-dl-"))
  roots.push(root)
  const lines = Ref.unsafeMake<ReadonlyArray<OutputLine>>([])
  const result = await Effect.runPromise(
    Effect.either(downloadCerts(sampleConfig({ kubernetesVersion: version }), key, client)).pipe(
      Effect.provide(Layer.merge(rootfs.layer(root), output.fake(lines)))
    )
  )
  return { root, result, lines: Effect.runSync(Ref.get(lines)).map((l) => l.text) }
}

const allFiles = async (dir: string): Promise<string[]> => {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name))
  return out
}

describe("download-certs", () => {
  it("writes the CAs, the etcd CA and the service-account keys with kubeadm's names; 1.15 modes are all 0600", async () => {
    const key = generateCertificateKey()
    const secret = await uploadedSecret(key)
    const { root, result, lines } = await run(clientWith(secret), key)
    expect(result._tag).toBe("Right")
    expect(lines[0]).toBe(
      `[download-certs] Downloading the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace`
    )
    const pki = join(root, "etc/kubernetes/pki")
    for (const f of [
      "ca.crt",
      "ca.key",
      "front-proxy-ca.crt",
      "front-proxy-ca.key",
      "etcd/ca.crt",
      "etcd/ca.key",
      "sa.key",
      "sa.pub"
    ]) {
      expect((await stat(join(pki, f))).mode & 0o777).toBe(0o600)
    }
    expect(await readFile(join(pki, "etcd/ca.crt"), "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect((await stat(join(pki, "etcd"))).mode & 0o777).toBe(0o755)
    expect(lines.join("\n")).not.toContain(key)
  })

  it("1.22+ clusters: certificates and sa.pub 0644, keys 0600", async () => {
    const key = generateCertificateKey()
    const { root, result } = await run(clientWith(await uploadedSecret(key)), key, "v1.28.0")
    expect(result._tag).toBe("Right")
    const pki = join(root, "etc/kubernetes/pki")
    expect((await stat(join(pki, "ca.crt"))).mode & 0o777).toBe(0o644)
    expect((await stat(join(pki, "sa.pub"))).mode & 0o777).toBe(0o644)
    expect((await stat(join(pki, "ca.key"))).mode & 0o777).toBe(0o600)
  })

  it("a wrong certificate key fails clearly and writes nothing", async () => {
    const secret = await uploadedSecret(generateCertificateKey())
    const wrong = generateCertificateKey()
    const { root, result } = await run(clientWith(secret), wrong)
    expect(result._tag === "Left" && result.left.message).toBe(
      "error downloading certs: wrong certificate key: error decoding secret data with provided key: cipher: message authentication failed"
    )
    expect(result._tag === "Left" && result.left.message).not.toContain(wrong)
    expect(await allFiles(root)).toEqual([])
  })

  it("a missing Secret says it expired and how to make a new one; nothing written", async () => {
    const { root, result } = await run(clientWith(undefined), generateCertificateKey())
    expect(result._tag === "Left" && result.left.message).toMatch(
      /^error downloading certs: error downloading the secret: Secret "kubeadm-certs" was not found in the "kube-system" Namespace: the certificate Secret is gone or expired \(it lives 2 hours\): run `kubeadm init phase upload-certs --upload-certs` again/
    )
    expect(await allFiles(root)).toEqual([])
  })

  it("a Secret without a required entry fails and writes nothing; a key that is not hex is refused without echoing it", async () => {
    const key = generateCertificateKey()
    const secret = await uploadedSecret(key)
    const { ["etcd-ca.key"]: _dropped, ...rest } = secret.data
    const partial = await run(clientWith({ ...secret, data: rest }), key)
    expect(partial.result._tag === "Left" && partial.result.left.message).toBe(
      "error downloading certs: the Secret does not include the required certificate or key - name: etcd-ca.key, path: /etc/kubernetes/pki/etcd/ca.key"
    )
    expect(await allFiles(partial.root)).toEqual([])
    const bad = await run(clientWith(secret), "zz" + key.slice(2))
    expect(bad.result._tag === "Left" && bad.result.left.message).toMatch(/^error decoding certificate key: /)
    expect(bad.result._tag === "Left" && bad.result.left.message).not.toContain(key.slice(2))
  })

  it("an entry shorter than the nonce is a BadEntry error (DecryptError's reason, not a match on its text); nothing written", async () => {
    const key = generateCertificateKey()
    const secret = await uploadedSecret(key)
    const { root, result } = await run(
      clientWith({ ...secret, data: { ...secret.data, "ca.key": new Uint8Array(5) } }),
      key
    )
    expect(result._tag === "Left" && result.left).toMatchObject({
      reason: "BadEntry",
      message:
        "error downloading certs: error decoding secret data with provided key: size of data is less than the nonce"
    })
    expect(await allFiles(root)).toEqual([])
  })
})
