// The Node authorizer + NodeRestriction: a kubelet (client certificate system:node:<name> in
// system:nodes) may read and modify its own Node only; anything on another Node is a 403 Status.
import { requestOnce, type ApiTarget } from "../src/raw-http.js"
import { beforeAll, describe, expect, it } from "vitest"
import { issue } from "../src/cluster/pki.js"
import { initCluster, type TestCluster } from "../src/index.js"
import { kubectl, releasingOnFailure, tempDir, writeTemp } from "./helpers.js"
import { admin } from "./raw.js"

let cluster: TestCluster
let nodeA: ApiTarget
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.4.1", keyAlgorithm: "ecdsa-p256" })
  const close = () => cluster.close()
  nodeA = await releasingOnFailure(close, async () => {
    for (const name of ["a", "b"]) {
      const r = await requestOnce(admin(cluster), {
        method: "POST",
        path: "/api/v1/nodes",
        body: { apiVersion: "v1", kind: "Node", metadata: { name } },
        timeoutMs: 5000
      })
      if (r.status !== 201) throw new Error(`creating Node ${name}: HTTP ${r.status}`)
    }
    const cert = await issue("ecdsa-p256", cluster.pki.ca, {
      commonName: "system:node:a",
      organizations: ["system:nodes"],
      usage: "client"
    })
    return { server: cluster.url, caPem: cluster.caPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem }
  })
  return close
})

const send = (t: ApiTarget, method: string, path: string, body?: unknown, contentType?: string) =>
  requestOnce(t, { method, path, body, timeoutMs: 5000, ...(contentType ? { contentType } : {}) })

const label = (value: string) => ({ metadata: { labels: { "example.com/touched": value } } })
const labelsOf = (body: unknown) => (body as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {}

describe("a kubelet's access to Nodes", () => {
  it("node a gets and patches its own Node (object and status)", async () => {
    const got = await send(nodeA, "GET", "/api/v1/nodes/a")
    expect(got.status).toBe(200)
    expect(got.body).toMatchObject({ kind: "Node", metadata: { name: "a" } })

    const patched = await send(
      nodeA,
      "PATCH",
      "/api/v1/nodes/a",
      label("by-a"),
      "application/strategic-merge-patch+json"
    )
    expect(patched.status).toBe(200)
    expect(labelsOf(patched.body)["example.com/touched"]).toBe("by-a")

    const status = await send(
      nodeA,
      "PATCH",
      "/api/v1/nodes/a/status",
      { status: { conditions: [{ type: "Ready", status: "True" }] } },
      "application/strategic-merge-patch+json"
    )
    expect(status.status).toBe(200)

    // a list or watch that selects only its own name is a read of its own Node
    const list = await send(nodeA, "GET", "/api/v1/nodes?fieldSelector=metadata.name%3Da")
    expect(list.status).toBe(200)
    expect((list.body as { items: Array<{ metadata: { name: string } }> }).items.map((n) => n.metadata.name)).toEqual([
      "a"
    ])
  })

  it("getting Node b is 403 Forbidden with a Status naming the Node authorizer's reason", async () => {
    const r = await send(nodeA, "GET", "/api/v1/nodes/b")
    expect(r.status).toBe(403)
    expect(r.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `nodes "b" is forbidden: User "system:node:a" cannot get resource "nodes" in API group "" at the cluster scope: node 'a' cannot read 'b', only its own Node object`,
      reason: "Forbidden",
      details: { name: "b", kind: "nodes" },
      code: 403
    })
  })

  it("patching Node b (object or status) is 403 Forbidden by NodeRestriction, and Node b is unchanged", async () => {
    for (const path of ["/api/v1/nodes/b", "/api/v1/nodes/b/status"]) {
      const r = await send(nodeA, "PATCH", path, label("by-a"), "application/merge-patch+json")
      expect(r.status, path).toBe(403)
      expect(r.body, path).toMatchObject({
        kind: "Status",
        status: "Failure",
        reason: "Forbidden",
        code: 403,
        message: `nodes "b" is forbidden: node "a" is not allowed to modify node "b"`,
        details: { name: "b", kind: "nodes" }
      })
    }
    const b = await send(admin(cluster), "GET", "/api/v1/nodes/b")
    expect(b.status).toBe(200)
    expect(labelsOf(b.body)).not.toHaveProperty("example.com/touched")
  })

  it("listing all Nodes, or selecting another one, is 403 Forbidden", async () => {
    const all = await send(nodeA, "GET", "/api/v1/nodes")
    expect(all.status).toBe(403)
    expect(all.body).toMatchObject({
      kind: "Status",
      reason: "Forbidden",
      message: `nodes is forbidden: User "system:node:a" cannot list resource "nodes" in API group "" at the cluster scope: node 'a' cannot read all nodes, only its own Node object`
    })
    const other = await send(nodeA, "GET", "/api/v1/nodes?fieldSelector=metadata.name%3Db")
    expect(other.status).toBe(403)
    const watchOther = await send(nodeA, "GET", "/api/v1/nodes?watch=true&fieldSelector=metadata.name%3Db")
    expect(watchOther.status).toBe(403)
  })

  it("the real kubectl with node a's kubeconfig: its own Node works, Node b is Forbidden", async () => {
    const kubeconfig = writeTemp(
      tempDir("node-a-"),
      "node-a.conf",
      await cluster.clientKubeconfig("system:node:a", ["system:nodes"])
    )
    const own = await kubectl(kubeconfig, ["get", "node", "a", "-o", "name"])
    expect(own.status, own.stderr).toBe(0)
    expect(own.stdout.trim()).toBe("node/a")
    const other = await kubectl(kubeconfig, ["get", "node", "b"])
    expect(other.status).not.toBe(0)
    expect(other.stderr).toContain(
      `Error from server (Forbidden): nodes "b" is forbidden: User "system:node:a" cannot get resource "nodes"`
    )
    expect(other.stderr).toContain("node 'a' cannot read 'b', only its own Node object")
  })
})
