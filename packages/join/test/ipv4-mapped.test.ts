/**
 * An IPv4-mapped IPv6 endpoint ([::ffff:a.b.c.d]) is the IPv4 address, as in Go: the
 * server's certificate with an IPv4 SAN verifies, for client-node and the bootstrap client.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { request } from "../src/bootstrap/http.js"
import { endpointError, unmapIpv4Url } from "../src/config/formats.js"
import { simpleKubeconfig } from "../src/kubeconfig/index.js"
import { KubeApi, KubeApiLive } from "../src/kube-api/index.js"
import { json, startTlsServer, type TestServer } from "./helpers/tls-server.js"

let server: TestServer // its certificate names only IP 127.0.0.1 (and DNS localhost)
beforeAll(async () => {
  server = await startTlsServer((_req, res) => json(res, 200, { metadata: { name: "cluster-info" }, data: { kubeconfig: "x" } }))
})
afterAll(() => server.close())

const mapped = () => server.url.replace("127.0.0.1", "[::ffff:127.0.0.1]")

describe("IPv4-mapped IPv6 endpoints", () => {
  it("unmapIpv4Url: every spelling becomes the IPv4 host; other URLs are unchanged", () => {
    expect(unmapIpv4Url("https://[::ffff:10.0.0.1]:6443")).toBe("https://10.0.0.1:6443")
    expect(unmapIpv4Url("https://[0:0:0:0:0:ffff:0a00:0001]:6443/")).toBe("https://10.0.0.1:6443/")
    expect(unmapIpv4Url("https://[::FFFF:192.168.1.2]:6443/api?x=1")).toBe("https://192.168.1.2:6443/api?x=1")
    for (const same of ["https://[::1]:6443", "https://[fd00::ffff:1]:6443", "https://10.0.0.1:6443", "https://example.com:6443", "not a url"]) {
      expect(unmapIpv4Url(same)).toBe(same)
    }
  })

  it("endpointError: a port from 1 to 65535 and a host are required", () => {
    expect(endpointError("[::ffff:10.0.0.1]:6443")).toBeUndefined()
    expect(endpointError("host:1")).toBeUndefined()
    expect(endpointError("host:65535")).toBeUndefined()
    for (const bad of ["host:", "host:0", "host:65536", "host:99999", "host:64x3", "host:-1", "host:+80", "[::ffff:1.2.3.4]:"]) {
      expect(endpointError(bad), bad).toMatch(/invalid port .* must be a number from 1 to 65535$/)
    }
    expect(endpointError(":6443")).toMatch(/missing host/)
  })

  it.live("client-node verifies the IPv4 SAN for [::ffff:127.0.0.1]", () =>
    Effect.gen(function* () {
      const api = yield* KubeApi
      const client = yield* api.client(
        simpleKubeconfig({ clusterName: "k", cluster: { server: mapped(), certificateAuthorityData: server.caPem }, userName: "u", user: {}, contextName: "c" })
      )
      expect((yield* client.getConfigMap("kube-public", "cluster-info")).data).toEqual({ kubeconfig: "x" })
    }).pipe(Effect.provide(KubeApiLive))
  )

  it("the bootstrap client verifies the IPv4 SAN for [::ffff:127.0.0.1]", async () => {
    const r = await request({ server: mapped(), caPem: server.caPem }, { method: "GET", path: "/api/v1/nodes/x", timeoutMs: 5_000 })
    expect(r.status).toBe(200)
  })
})
