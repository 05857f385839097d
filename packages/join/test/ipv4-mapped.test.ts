/**
 * An IPv4-mapped IPv6 endpoint ([::ffff:a.b.c.d]) is the IPv4 address, as in Go: the
 * server's certificate with an IPv4 SAN verifies, for client-node's calls and its watch (the CSR bootstrap's).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { endpointError, unmapIpv4Url } from "../src/config/formats.js"
import { simpleKubeconfig } from "../src/kubeconfig/index.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import { KubeApi } from "../src/kube-api/kube-api.js"
import { json, startTlsServer, type TestServer } from "./helpers/tls-server.js"

let server: TestServer // its certificate names only IP 127.0.0.1 (and DNS localhost)
beforeAll(async () => {
  server = await startTlsServer((_req, res) =>
    json(res, 200, { metadata: { name: "cluster-info" }, data: { kubeconfig: "x" } })
  )
})
afterAll(() => server.close())

const mapped = () => server.url.replace("127.0.0.1", "[::ffff:127.0.0.1]")

describe("IPv4-mapped IPv6 endpoints", () => {
  it("unmapIpv4Url: every spelling becomes the IPv4 host; other URLs are unchanged", () => {
    expect(unmapIpv4Url("https://[::ffff:10.0.0.1]:6443")).toBe("https://10.0.0.1:6443")
    expect(unmapIpv4Url("https://[0:0:0:0:0:ffff:0a00:0001]:6443/")).toBe("https://10.0.0.1:6443/")
    expect(unmapIpv4Url("https://[::FFFF:192.168.1.2]:6443/api?x=1")).toBe("https://192.168.1.2:6443/api?x=1")
    for (const same of [
      "https://[::1]:6443",
      "https://[fd00::ffff:1]:6443",
      "https://10.0.0.1:6443",
      "https://example.com:6443",
      "not a url"
    ]) {
      expect(unmapIpv4Url(same)).toBe(same)
    }
  })

  it("endpointError: a port from 1 to 65535 and a host are required", () => {
    expect(endpointError("[::ffff:10.0.0.1]:6443")).toBeUndefined()
    expect(endpointError("host:1")).toBeUndefined()
    expect(endpointError("host:65535")).toBeUndefined()
    for (const bad of [
      "host:",
      "host:0",
      "host:65536",
      "host:99999",
      "host:64x3",
      "host:-1",
      "host:+80",
      "[::ffff:1.2.3.4]:"
    ]) {
      expect(endpointError(bad), bad).toMatch(/invalid port .* must be a number from 1 to 65535$/)
    }
    expect(endpointError(":6443")).toMatch(/missing host/)
  })

  it.live("client-node verifies the IPv4 SAN for [::ffff:127.0.0.1]", () =>
    Effect.gen(function* () {
      const api = yield* KubeApi
      const client = yield* api.client(
        simpleKubeconfig({
          clusterName: "k",
          cluster: { server: mapped(), certificateAuthorityData: server.caPem },
          userName: "u",
          user: {},
          contextName: "c"
        })
      )
      expect((yield* client.getConfigMap("kube-public", "cluster-info")).data).toEqual({ kubeconfig: "x" })
    }).pipe(Effect.provide(kubeApi.layer))
  )

  it.live("the CSR watch (client-node's Watch) verifies the IPv4 SAN for [::ffff:127.0.0.1]", () =>
    Effect.gen(function* () {
      const csr = {
        metadata: { name: "csr-1", resourceVersion: "2" },
        spec: { request: Buffer.from("PEM").toString("base64"), signerName: "s", usages: [] }
      }
      server.handler = (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ type: "MODIFIED", object: csr }) + "\n")
      }
      const api = yield* KubeApi
      const client = yield* api.client(
        simpleKubeconfig({
          clusterName: "k",
          cluster: { server: mapped(), certificateAuthorityData: server.caPem },
          userName: "u",
          user: { token: "abcdef.0123456789abcdef" },
          contextName: "c"
        })
      )
      const events = Chunk.toArray(
        yield* Stream.runCollect(client.watchCsr("csr-1", { resourceVersion: "1", timeoutSeconds: 5 }))
      )
      expect(events.map((e) => [e.type, e.object.metadata.name, e.object.spec.request])).toEqual([
        ["MODIFIED", "csr-1", "PEM"]
      ])
      expect(server.requests.at(-1)?.path).toBe(
        "/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true&fieldSelector=metadata.name%3Dcsr-1&resourceVersion=1&timeoutSeconds=5"
      )
    }).pipe(Effect.provide(kubeApi.layer))
  )
})
