// The join package's TLS-bootstrap client (on its live KubeApi) against the testkit: CSR -> approved -> signed certificate.
import {
  type BootstrapProgress,
  tlsBootstrap,
  TlsBootstrapError,
  type TlsBootstrapOptions,
  type TlsBootstrapResult
} from "@kubeadm-ts/join/bootstrap"
import { parseCertificate } from "@kubeadm-ts/join/crypto"
import * as kubeApi from "@kubeadm-ts/join/kube-api"
import { parseKubeconfig } from "@kubeadm-ts/join/kubeconfig"
import { Effect, Either } from "effect"
import { execFileSync } from "node:child_process"
import { beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster, waitFor } from "../src/index.js"
import { defined, tempDir, writeTemp } from "./helpers.js"

let cluster: TestCluster
let manual: TestCluster

beforeAll(async () => {
  ;[cluster, manual] = await Promise.all([
    initCluster({ address: "127.0.1.2", keyAlgorithm: "ecdsa-p256" }),
    initCluster({ address: "127.0.1.3", keyAlgorithm: "ecdsa-p256", autoApproveCsrs: false })
  ])
  return () => Promise.all([cluster.close(), manual.close()])
})

/** Runs the bootstrap with the cluster's bootstrap kubeconfig; rejects with the TlsBootstrapError itself. */
const bootstrap = async (
  c: TestCluster,
  opts: Omit<TlsBootstrapOptions, "kubeconfig" | "onProgress"> & {
    token?: string
    onProgress?: (p: BootstrapProgress) => void
  }
): Promise<TlsBootstrapResult> => {
  const parsed = Either.getOrThrow(parseKubeconfig(c.bootstrapKubeconfig()))
  const { token, onProgress, ...rest } = opts
  const kubeconfig =
    token === undefined
      ? parsed
      : { ...parsed, users: parsed.users.map((u) => ({ ...u, value: { ...u.value, token } })) }
  const r = await Effect.runPromise(
    Effect.either(
      tlsBootstrap({ ...rest, kubeconfig, onProgress: (p) => Effect.sync(() => onProgress?.(p)) }).pipe(
        Effect.provide(kubeApi.layer)
      )
    )
  )
  if (Either.isLeft(r)) throw r.left
  return r.right
}

const verify = (caPem: string, certPem: string): string => {
  const dir = tempDir()
  return execFileSync(
    "openssl",
    ["verify", "-CAfile", writeTemp(dir, "ca.crt", caPem), "-purpose", "sslclient", writeTemp(dir, "c.crt", certPem)],
    { encoding: "utf8" }
  )
}

describe("tlsBootstrap", () => {
  it.each(["v1", "v1beta1"] as const)(
    "gets a kubelet client certificate through certificates.k8s.io/%s",
    async (apiVersion) => {
      const events: BootstrapProgress[] = []
      const r = await bootstrap(cluster, {
        nodeName: `worker-${apiVersion}`,
        apiVersion,
        timeout: 10_000,
        onProgress: (e) => events.push(e)
      })
      expect(verify(cluster.caPem, r.certPem)).toContain(": OK")
      const info = parseCertificate(r.certPem)
      expect(info).toMatchObject({
        commonName: `system:node:worker-${apiVersion}`,
        organizations: ["system:nodes"],
        extKeyUsages: ["client"]
      })
      expect(info.keyUsages).toContain("digitalSignature")
      expect(r.keyPem).toContain("-----BEGIN EC PRIVATE KEY-----")
      expect(r.combinedPem).toBe(r.certPem + r.keyPem)
      expect(events.map((e) => e.kind)).toContain("csr-created")
      expect(events.at(-1)?.kind).toBe("issued")
      const csr = cluster.get("certificatesigningrequests.certificates.k8s.io", undefined, r.csrName)
      expect(csr?.["spec"]).toMatchObject({
        username: `system:bootstrap:${cluster.token.split(".")[0]}`,
        signerName: "kubernetes.io/kube-apiserver-client-kubelet"
      })
      expect(JSON.stringify(csr?.["status"])).toContain("AutoApproved")
    }
  )

  it("retries a 429 on CSR creation, honouring Retry-After", async () => {
    const fault = cluster.faults.failNext(
      { method: "POST", path: "/apis/certificates.k8s.io/v1/certificatesigningrequests" },
      1,
      429,
      { retryAfterSeconds: 1 }
    )
    const events: BootstrapProgress[] = []
    const before = cluster.audit.entries.length
    await bootstrap(cluster, { nodeName: "worker-429", onProgress: (e) => events.push(e) })
    expect(fault.hits()).toBe(1)
    // the pause taken before the next attempt is the Retry-After second
    expect(events.filter((e) => e.kind === "retrying")).toEqual([
      expect.objectContaining({
        kind: "retrying",
        request: "create CertificateSigningRequest csr-*",
        delayMs: 1000,
        cause: "429 TooManyRequests"
      })
    ])
    // the server saw the refused POST, then the retried one that created the CSR
    const posts = cluster.audit.entries
      .slice(before)
      .filter((e) => e.method === "POST" && e.path === "/apis/certificates.k8s.io/v1/certificatesigningrequests")
    expect(posts.map((e) => [e.status, e.fault])).toEqual([
      [429, "status 429"],
      [201, undefined]
    ])
  })

  it("retries 500 and 503 and connection resets", async () => {
    const f1 = cluster.faults.failNext({ method: "POST" }, 2, 500)
    const f2 = cluster.faults.resetNext(
      { method: "GET", path: /^\/apis\/certificates\.k8s\.io\/v1\/certificatesigningrequests/ },
      1
    )
    const r = await bootstrap(cluster, { nodeName: "worker-5xx", retries: 4 })
    expect(r.certPem).toContain("BEGIN CERTIFICATE")
    expect(f1.hits()).toBe(2)
    expect(f2.hits()).toBe(1)
  })

  it("does not retry a 401: a wrong token fails at once with a typed error", async () => {
    const e = await bootstrap(cluster, { nodeName: "x", token: "abcdef.0123456789abcdef" }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(TlsBootstrapError)
    expect(e).toMatchObject({ reason: "RequestFailed", status: 401, cause: { status: 401, reason: "Unauthorized" } })
    expect((e as Error).message).not.toContain("0123456789abcdef")
  })

  it("reports 'CSR not yet approved' while waiting and finishes once approved", async () => {
    const events: BootstrapProgress[] = []
    const done = bootstrap(manual, { nodeName: "slow", timeout: 10_000, onProgress: (e) => events.push(e) })
    const created = await waitFor(() => events.find((e) => e.kind === "pending"))
    expect(created).toMatchObject({ detail: "CSR not yet approved" })
    const name = (events.find((e) => e.kind === "csr-created") as { csrName: string }).csrName
    const key = "certificatesigningrequests.certificates.k8s.io"
    const csr = defined(manual.store.get(key, undefined, name), `CSR ${name}`)
    manual.store.update(key, { ...csr, status: { conditions: [{ type: "Approved", status: "True", reason: "Test" }] } })
    const r = await done
    expect(verify(manual.caPem, r.certPem)).toContain(": OK")
  })

  it("fails with a Rejected TlsBootstrapError when the CSR is denied", async () => {
    const events: BootstrapProgress[] = []
    const done = bootstrap(manual, { nodeName: "denied", timeout: 10_000, onProgress: (e) => events.push(e) })
    const created = await waitFor(() =>
      events.find((e): e is Extract<BootstrapProgress, { kind: "csr-created" }> => e.kind === "csr-created")
    )
    const key = "certificatesigningrequests.certificates.k8s.io"
    const csr = await waitFor(() => manual.store.get(key, undefined, created.csrName))
    manual.store.update(key, {
      ...csr,
      status: { conditions: [{ type: "Denied", status: "True", reason: "NotToday" }] }
    })
    await expect(done).rejects.toBeInstanceOf(TlsBootstrapError)
    await expect(done).rejects.toMatchObject({ reason: "Rejected", csrName: created.csrName })
  })

  it("times out with a Timeout TlsBootstrapError naming what is pending", async () => {
    const e = await bootstrap(manual, { nodeName: "never", timeout: 600 }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(TlsBootstrapError)
    expect(e).toMatchObject({ reason: "Timeout" })
    expect((e as Error).message).toContain("CSR not yet approved")
  })
})
