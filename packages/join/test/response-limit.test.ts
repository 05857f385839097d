/**
 * Every HTTP response body is capped (MAX_RESPONSE_BYTES): a server that answers with an
 * endless body makes the request fail at once with a "larger than" error, not retried,
 * instead of growing the process (cluster-info is read before anything checks it).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Ref } from "effect"
import type * as http from "node:http"
import { MAX_RESPONSE_BYTES } from "../src/body-limit.js"
import { request, watch } from "../src/bootstrap/http.js"
import { tokenDiscovery } from "../src/discovery/token.js"
import { simpleKubeconfig } from "../src/kubeconfig/index.js"
import { KubeApi, KubeApiLive } from "../src/kube-api/index.js"
import { collectingOutput, type OutputLine } from "../src/output.js"
import { startTlsServer, type TestServer } from "./helpers/tls-server.js"
import * as crypto from "../src/crypto/crypto.js"

/** Streams `{"data":{"kubeconfig":"AAAA...` forever (until the client goes away); counts what it sent. */
const flood = (sent: { bytes: number; requests: number }) => (_req: unknown, res: http.ServerResponse) => {
  sent.requests++
  res.writeHead(200, { "content-type": "application/json" })
  res.write('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cluster-info"},"data":{"kubeconfig":"')
  const chunk = "A".repeat(64 * 1024)
  const pump = () => {
    while (!res.destroyed && sent.bytes < 64 * MAX_RESPONSE_BYTES) {
      sent.bytes += chunk.length
      if (!res.write(chunk)) return res.once("drain", pump)
    }
    res.end()
  }
  pump()
}

let server: TestServer
const sent = { bytes: 0, requests: 0 }
beforeAll(async () => {
  server = await startTlsServer(flood(sent))
})
afterAll(() => server.close())

const reset = () => {
  sent.bytes = 0
  sent.requests = 0
}

describe("response bodies are capped", () => {
  it.live("KubeApi (client-node): an endless ConfigMap fails as BadResponse, once, not retried", () =>
    Effect.gen(function* () {
      reset()
      const api = yield* KubeApi
      const client = yield* api.client(
        simpleKubeconfig({ clusterName: "k", cluster: { server: server.url, certificateAuthorityData: server.caPem }, userName: "u", user: {}, contextName: "c" })
      )
      const r = yield* Effect.either(client.getConfigMap("kube-public", "cluster-info"))
      expect(Either.isLeft(r) && r.left.reason).toBe("BadResponse")
      expect(Either.isLeft(r) && r.left.message).toContain(`larger than ${MAX_RESPONSE_BYTES} bytes`)
      expect(sent.requests).toBe(1)
      expect(sent.bytes).toBeLessThan(16 * MAX_RESPONSE_BYTES) // stopped early, not after the server gave up
    }).pipe(Effect.provide(KubeApiLive))
  )

  it.live("token discovery: an endless cluster-info is an Invalid DiscoveryError at once (no retry until the timeout)", () =>
    Effect.gen(function* () {
      reset()
      const endpoint = server.url.replace("https://", "")
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const r = yield* Effect.either(
        tokenDiscovery({ apiServerEndpoint: endpoint, token: "abcdef.0123456789abcdef", caCertHashes: [], unsafeSkipCAVerification: true }, Duration.minutes(5)).pipe(
          Effect.provide(KubeApiLive),
          Effect.provide(crypto.layer),
          Effect.provide(collectingOutput(lines))
        )
      )
      expect(Either.isLeft(r) && r.left.reason).toBe("Invalid")
      expect(Either.isLeft(r) && r.left.message).toContain(`larger than ${MAX_RESPONSE_BYTES} bytes`)
      expect(sent.requests).toBe(1)
    })
  )

  it("bootstrap HTTP client: request and watch fail with ResponseTooLarge, not retried", async () => {
    reset()
    const target = { server: server.url, caPem: server.caPem }
    await expect(request(target, { method: "GET", path: "/api/v1/nodes/x", timeoutMs: 10_000 })).rejects.toMatchObject({
      _tag: "BootstrapHttpError",
      reason: "ResponseTooLarge"
    })
    expect(sent.requests).toBe(1)
    // A watch line that never ends is dropped: the stream closes instead of buffering forever.
    reset()
    const events: Array<unknown> = []
    const stream = await watch(target, "/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true", (e) => events.push(e))
    await stream.done
    expect(events).toEqual([])
    expect(sent.bytes).toBeLessThan(16 * MAX_RESPONSE_BYTES)
  })
})
