// Every fault of the fault-injection API, seen by a client exactly as injected; and the audit log.
import { RawConnectionError, request, requestOnce } from "../src/raw-http.js"
import { caCertHash, jwsDetachedVerify } from "@kubeadm-ts/join/crypto"
import { beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { initCluster, type TestCluster } from "../src/index.js"
import { anonymous, CLUSTER_INFO, clusterInfoData, get, withToken } from "./raw.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.1.6", keyAlgorithm: "ecdsa-p256" })
  return () => cluster.close()
})

describe("faults", () => {
  it("fails the next N requests of a route with 500, then serves normally", async () => {
    const f = cluster.faults.failNext({ method: "GET", path: CLUSTER_INFO }, 2, 500)
    expect((await get(anonymous(cluster), CLUSTER_INFO)).status).toBe(500)
    const second = await get(anonymous(cluster), CLUSTER_INFO)
    expect(second).toMatchObject({ status: 500, body: { kind: "Status", reason: "InternalError", code: 500 } })
    expect((await get(anonymous(cluster), CLUSTER_INFO)).status).toBe(200)
    expect(f.hits()).toBe(2)
    // other routes were never affected
    expect((await get(anonymous(cluster), "/version")).status).toBe(200)
  })

  it("503 ServiceUnavailable and 429 TooManyRequests with Retry-After", async () => {
    cluster.faults.failNext({ path: "/version" }, 1, 503)
    expect(await get(anonymous(cluster), "/version")).toMatchObject({
      status: 503,
      body: { reason: "ServiceUnavailable" }
    })
    cluster.faults.failNext({ path: "/version" }, 1, 429, { retryAfterSeconds: 2 })
    const r = await get(anonymous(cluster), "/version")
    expect(r).toMatchObject({ status: 429, body: { reason: "TooManyRequests" } })
    expect(r.headers["retry-after"]).toBe("2")
  })

  it("matches by user: only the bootstrap token's requests fail", async () => {
    cluster.faults.failNext({ user: /^system:bootstrap:/ }, 1, 500)
    expect((await get(anonymous(cluster), CLUSTER_INFO)).status).toBe(200)
    expect((await get(withToken(cluster), "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")).status).toBe(500)
    expect((await get(withToken(cluster), "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")).status).toBe(200)
  })

  it("delays a request", async () => {
    const f = cluster.faults.delayNext({ path: "/version" }, 1, 300)
    const before = cluster.audit.entries.length
    expect((await get(anonymous(cluster), "/version")).status).toBe(200)
    expect((await get(anonymous(cluster), "/version")).status).toBe(200)
    expect(f.hits()).toBe(1)
    // the server held the first request (and only it) before answering it normally
    const seen = cluster.audit.entries.slice(before).filter((e) => e.path === "/version")
    expect(seen.map((e) => [e.status, e.fault])).toEqual([
      [200, "delay"],
      [200, undefined]
    ])
  })

  it("resets the connection", async () => {
    cluster.faults.resetNext({ path: "/version" }, 1)
    await expect(get(anonymous(cluster), "/version")).rejects.toBeInstanceOf(RawConnectionError)
    // a retrying client gets through on the next attempt
    cluster.faults.resetNext({ path: "/version" }, 1)
    const r = await request(
      anonymous(cluster),
      { method: "GET", path: "/version", timeoutMs: 5000 },
      { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 }
    )
    expect(r.status).toBe(200)
    expect(cluster.audit.filter((e) => e.path === "/version" && e.fault === "reset").length).toBe(2)
  })

  it("serves a tampered cluster-info to anonymous requests: the pin no longer matches, the JWS still verifies", async () => {
    const [id = "", secret = ""] = cluster.token.split(".")
    const mitm = await cluster.tamperClusterInfo()
    const data = await clusterInfoData(anonymous(cluster))
    const kubeconfig = parse(data["kubeconfig"] ?? "") as { clusters: Array<{ cluster: Record<string, string> }> }
    const caPem = Buffer.from(kubeconfig.clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64").toString()
    expect(caCertHash(caPem)).not.toBe(cluster.caCertHash)
    expect(jwsDetachedVerify(data["kubeconfig"] ?? "", data[`jws-kubeconfig-${id}`] ?? "", id, secret)).toBe(true)
    // authenticated readers see the real object
    const real = await get(withToken(cluster), CLUSTER_INFO)
    expect(
      real.status === 403 || (real.body as { data: Record<string, string> }).data["kubeconfig"] !== data["kubeconfig"]
    ).toBe(true)
    mitm.remove()
    const restored = await clusterInfoData(anonymous(cluster))
    expect(restored["kubeconfig"]).not.toBe(data["kubeconfig"])
  })

  it("a MITM that does not know the token leaves a JWS that fails", async () => {
    const [id = "", secret = ""] = cluster.token.split(".")
    const mitm = await cluster.tamperClusterInfo({ resign: false })
    const data = await clusterInfoData(anonymous(cluster))
    expect(jwsDetachedVerify(data["kubeconfig"] ?? "", data[`jws-kubeconfig-${id}`] ?? "", id, secret)).toBe(false)
    mitm.remove()
  })

  it("drops the JWS entry of a token", async () => {
    const id = cluster.token.split(".")[0] ?? ""
    const drop = cluster.dropJws(cluster.token)
    expect(Object.keys(await clusterInfoData(anonymous(cluster)))).not.toContain(`jws-kubeconfig-${id}`)
    drop.remove()
    expect(Object.keys(await clusterInfoData(anonymous(cluster)))).toContain(`jws-kubeconfig-${id}`)
  })

  it("expires a token: 401 for it, and its JWS entry disappears", async () => {
    const token = cluster.createToken()
    const id = token.split(".")[0] ?? ""
    const { waitFor } = await import("../src/index.js")
    await waitFor(async () => `jws-kubeconfig-${id}` in (await clusterInfoData(anonymous(cluster))))
    cluster.expireToken(token)
    expect(
      (await get(withToken(cluster, token), "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")).status
    ).toBe(401)
    await waitFor(async () => !(`jws-kubeconfig-${id}` in (await clusterInfoData(anonymous(cluster)))))
    // the token cleaner removes the Secret itself
    await waitFor(() => cluster.get("secrets", "kube-system", `bootstrap-token-${id}`) === undefined)
  })
})

describe("client certificates", () => {
  it("a certificate without client-auth usage (the serving certificate) is not accepted as an identity", async () => {
    const r = await requestOnce(
      {
        server: cluster.url,
        caPem: cluster.caPem,
        clientCertPem: cluster.serving.certPem,
        clientKeyPem: cluster.serving.keyPem
      },
      { method: "GET", path: "/api/v1/nodes", timeoutMs: 5000 }
    )
    expect(r.status).toBe(401)
  })

  it("a certificate from another CA is refused", async () => {
    const other = await initCluster({ address: "127.0.1.14", keyAlgorithm: "ecdsa-p256", uploadCerts: false })
    try {
      const r = await requestOnce(
        {
          server: cluster.url,
          caPem: cluster.caPem,
          clientCertPem: other.admin.certPem,
          clientKeyPem: other.admin.keyPem
        },
        { method: "GET", path: "/api/v1/nodes", timeoutMs: 5000 }
      )
      expect(r.status).toBe(401)
    } finally {
      await other.close()
    }
  })
})

describe("401 and the audit log", () => {
  it("a bad bearer token gets a 401 Status body; the audit log records who asked what", async () => {
    cluster.audit.clear()
    const r = await requestOnce(
      { server: cluster.url, caPem: cluster.caPem, token: "zzzzzz.zzzzzzzzzzzzzzzz" },
      { method: "GET", path: "/api/v1/nodes", timeoutMs: 5000 }
    )
    expect(r).toMatchObject({ status: 401, body: { kind: "Status", reason: "Unauthorized", code: 401 } })
    await get(anonymous(cluster), CLUSTER_INFO)
    await get(withToken(cluster), "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
    const entries = cluster.audit.entries
    expect(entries.map((e) => [e.user, e.verb, e.path, e.status])).toEqual([
      ["", "list", "/api/v1/nodes", 401],
      ["system:anonymous", "get", CLUSTER_INFO, 200],
      [
        `system:bootstrap:${cluster.token.split(".")[0]}`,
        "get",
        "/api/v1/namespaces/kube-system/configmaps/kubeadm-config",
        200
      ]
    ])
    expect(entries.map((e) => e.bearerSent)).toEqual([true, false, true])
    // the secret never lands in the audit log
    expect(JSON.stringify(entries)).not.toContain(cluster.token.split(".")[1])
  })
})
