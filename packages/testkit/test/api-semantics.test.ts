// Watch semantics, routing details and Status errors, over real HTTPS.
import { requestOnce, watch } from "../src/raw-http.js"
import { beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster, waitFor } from "../src/index.js"
import { defined } from "./helpers.js"
import { admin, anonymous, get } from "./raw.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.1.11", keyAlgorithm: "ecdsa-p256" })
  return () => cluster.close()
})

const send = (method: string, path: string, body?: unknown, contentType?: string) =>
  requestOnce(admin(cluster), { method, path, body, timeoutMs: 5000, ...(contentType ? { contentType } : {}) })

describe("watch", () => {
  it("from a resourceVersion: replays later events, then streams, filtered by field selector; timeoutSeconds ends it", async () => {
    const created = await send("POST", "/api/v1/nodes", { metadata: { name: "n1" } })
    const rv = (created.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion
    await send("PATCH", "/api/v1/nodes/n1", { metadata: { labels: { x: "1" } } }, "application/merge-patch+json")
    await send("POST", "/api/v1/nodes", { metadata: { name: "n2" } })
    const seen: string[] = []
    const stream = await watch(
      admin(cluster),
      `/api/v1/nodes?watch=true&fieldSelector=metadata.name%3Dn1&resourceVersion=${rv}&timeoutSeconds=1`,
      (e) =>
        seen.push(
          `${e.type}:${(e.object as { metadata: { labels?: Record<string, string> } }).metadata.labels?.["x"] ?? "-"}`
        )
    )
    await send("PATCH", "/api/v1/nodes/n1", { metadata: { labels: { x: "2" } } }, "application/merge-patch+json")
    await send("DELETE", "/api/v1/nodes/n1")
    await stream.done // ended by timeoutSeconds
    expect(seen).toEqual(["MODIFIED:1", "MODIFIED:2", "DELETED:2"])
  })

  it("without a resourceVersion: the current objects come first as ADDED", async () => {
    const seen: string[] = []
    const stream = await watch(admin(cluster), "/api/v1/namespaces?watch=1", (e) =>
      seen.push(`${e.type}:${(e.object as { metadata: { name: string } }).metadata.name}`)
    )
    await waitFor(() => seen.length >= 4)
    stream.close()
    expect(seen).toEqual(["ADDED:default", "ADDED:kube-node-lease", "ADDED:kube-public", "ADDED:kube-system"])
  })

  it("a resourceVersion older than the history gets an ERROR event with 410 Expired", async () => {
    for (let i = 0; i < 2100; i++)
      cluster.store.update("configmaps", {
        ...defined(cluster.store.get("configmaps", "kube-system", "kube-proxy"), "the kube-proxy ConfigMap"),
        data: { n: String(i) }
      })
    const events: Array<{ type: string; object: unknown }> = []
    const stream = await watch(admin(cluster), "/api/v1/configmaps?watch=true&resourceVersion=2", (e) => events.push(e))
    await stream.done
    expect(events).toEqual([
      { type: "ERROR", object: expect.objectContaining({ kind: "Status", code: 410, reason: "Expired" }) as unknown }
    ])
  })

  it("watch needs the watch verb: anonymous is Forbidden", async () => {
    await expect(watch(anonymous(cluster), "/api/v1/nodes?watch=true", () => {})).rejects.toMatchObject({
      status: 403,
      reason: "Forbidden"
    })
  })
})

describe("routing and errors", () => {
  it("discovery documents", async () => {
    expect((await get(admin(cluster), "/api")).body).toMatchObject({ kind: "APIVersions", versions: ["v1"] })
    const groups = (await get(admin(cluster), "/apis")).body as {
      groups: Array<{ name: string; preferredVersion: { version: string } }>
    }
    expect(groups.groups.find((g) => g.name === "certificates.k8s.io")?.preferredVersion.version).toBe("v1")
    const core = (await get(admin(cluster), "/api/v1")).body as {
      resources: Array<{ name: string; namespaced: boolean }>
    }
    expect(core.resources.find((r) => r.name === "configmaps")?.namespaced).toBe(true)
    expect((await get(admin(cluster), "/apis/certificates.k8s.io/v1beta1")).status).toBe(200)
    expect((await get(admin(cluster), "/openapi/v2")).status).toBe(404)
    expect((await get(admin(cluster), "/apis/nope/v1/things")).body).toMatchObject({
      kind: "Status",
      code: 404,
      reason: "NotFound"
    })
  })

  it("a namespace that does not exist, a name that does not match the URL, a bad JSON body, an unknown patch type", async () => {
    expect((await send("POST", "/api/v1/namespaces/nope/configmaps", { metadata: { name: "a" } })).body).toMatchObject({
      code: 404,
      message: 'namespaces "nope" not found'
    })
    expect((await send("PUT", "/api/v1/namespaces/default/configmaps/a", { metadata: { name: "b" } })).status).toBe(400)
    expect((await send("POST", "/api/v1/namespaces/default/configmaps", "{not json")).status).toBe(400)
    await send("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "p" } })
    expect((await send("PATCH", "/api/v1/namespaces/default/configmaps/p", {}, "text/plain")).status).toBe(415)
  })

  it("Secret stringData is folded into data", async () => {
    const r = await send("POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "s1" },
      stringData: { a: "hello" },
      data: { b: "Yg==" }
    })
    expect(r.body as { data: Record<string, string>; stringData?: unknown }).toMatchObject({
      data: { a: "aGVsbG8=", b: "Yg==" }
    })
    expect((r.body as { stringData?: unknown }).stringData).toBeUndefined()
  })

  it("generateName and label selectors", async () => {
    const a = await send("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { generateName: "gen-", labels: { app: "x" } }
    })
    expect((a.body as { metadata: { name: string } }).metadata.name).toMatch(/^gen-[a-z0-9]{5}$/)
    await send("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "other", labels: { app: "y" } } })
    const list = (await get(admin(cluster), "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dx")).body as {
      items: unknown[]
    }
    expect(list.items).toHaveLength(1)
  })

  it("CSR status cannot be set by its creator; the status subresource can set it", async () => {
    const { createCsr, generateKeyPair } = await import("@kubeadm-ts/join/crypto")
    const request = Buffer.from(await createCsr(await generateKeyPair("ecdsa-p256"), { commonName: "x" })).toString(
      "base64"
    )
    const r = await send("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
      metadata: { name: "self" },
      spec: { request, signerName: "example.com/x", usages: ["client auth"] },
      status: { certificate: "Zm9v" }
    })
    expect((r.body as { status: unknown }).status).toEqual({})
    expect((r.body as { spec: { username: string } }).spec.username).toBe("kubernetes-admin")
    const put = await send("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/self/status", {
      metadata: { name: "self" },
      status: { certificate: "Zm9v" }
    })
    expect((put.body as { status: unknown }).status).toEqual({ certificate: "Zm9v" })
  })
})
