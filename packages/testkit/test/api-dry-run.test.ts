// `?dryRun=All` on the testkit API server, as on the real one: checked and answered, never stored.
import { requestOnce } from "../src/raw-http.js"
import { beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster } from "../src/index.js"
import { admin } from "./raw.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.1.12", keyAlgorithm: "ecdsa-p256" })
  return () => cluster.close()
})

const send = (method: string, path: string, body?: unknown, contentType?: string) =>
  requestOnce(admin(cluster), { method, path, body, timeoutMs: 5000, ...(contentType ? { contentType } : {}) })

describe("dryRun=All", () => {
  it("create, patch, update and delete answer the would-be object and change no stored one", async () => {
    const events: Array<unknown> = []
    // the bootstrap signer keeps cluster-info's signatures up to date on its own
    const stop = cluster.store.subscribe((e) => {
      if (e.object.metadata.name !== "cluster-info") events.push(e)
    })
    try {
      const created = await send("POST", "/api/v1/nodes?dryRun=All", { metadata: { name: "dry" } })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ kind: "Node", metadata: { name: "dry" } })
      expect((await send("GET", "/api/v1/nodes/dry")).status).toBe(404)
      const cm = "/api/v1/namespaces/kube-system/configmaps/kube-proxy"
      const patched = await send("PATCH", `${cm}?dryRun=All`, { data: { x: "1" } }, "application/merge-patch+json")
      expect(patched.status).toBe(200)
      expect((patched.body as { data: Record<string, string> }).data["x"]).toBe("1")
      const current = (await send("GET", cm)).body as { data: Record<string, string> }
      expect(current.data["x"]).toBeUndefined()
      expect((await send("PUT", `${cm}?dryRun=All`, { ...current, data: { y: "2" } })).status).toBe(200)
      expect((await send("DELETE", `${cm}?dryRun=All`)).status).toBe(200)
      expect((await send("GET", cm)).body).toEqual(current)
      // the checks still run: an existing name is refused, a missing object is not found
      expect((await send("POST", "/api/v1/namespaces/kube-system/configmaps?dryRun=All", current)).status).toBe(409)
      expect((await send("DELETE", "/api/v1/nodes/dry?dryRun=All")).status).toBe(404)
      expect(events).toEqual([])
    } finally {
      stop()
    }
  })

  it("any other value is a bad request", async () => {
    const r = await send("POST", "/api/v1/nodes?dryRun=Some", { metadata: { name: "dry" } })
    expect(r.status).toBe(400)
    expect((await send("GET", "/api/v1/nodes/dry")).status).toBe(404)
  })
})
