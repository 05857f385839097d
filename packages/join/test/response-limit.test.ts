/**
 * Every HTTP response body is capped (MAX_RESPONSE_BYTES): a server that answers with an
 * endless body makes the request fail at once with a "larger than" error, not retried,
 * instead of growing the process (cluster-info is read before anything checks it).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Ref, Stream } from "effect"
import type * as http from "node:http"
import { MAX_RESPONSE_BYTES } from "../src/body-limit.js"
import { tokenDiscovery } from "../src/discovery/token.js"
import { simpleKubeconfig } from "../src/kubeconfig/index.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import { KubeApi } from "../src/kube-api/kube-api.js"
import { type OutputLine } from "../src/output.js"
import { startTlsServer, type TestServer } from "./helpers/tls-server.js"
import * as crypto from "../src/crypto/crypto.js"
import * as output from "../src/output.js"

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
        simpleKubeconfig({
          clusterName: "k",
          cluster: { server: server.url, certificateAuthorityData: server.caPem },
          userName: "u",
          user: {},
          contextName: "c"
        })
      )
      const r = yield* Effect.either(client.getConfigMap("kube-public", "cluster-info"))
      expect(Either.isLeft(r) && r.left.reason).toBe("BadResponse")
      expect(Either.isLeft(r) && r.left.message).toContain(`larger than ${MAX_RESPONSE_BYTES} bytes`)
      expect(sent.requests).toBe(1)
      expect(sent.bytes).toBeLessThan(16 * MAX_RESPONSE_BYTES) // stopped early, not after the server gave up
    }).pipe(Effect.provide(kubeApi.layer))
  )

  it.live(
    "token discovery: an endless cluster-info is an Invalid DiscoveryError at once (no retry until the timeout)",
    () =>
      Effect.gen(function* () {
        reset()
        const endpoint = server.url.replace("https://", "")
        const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
        const r = yield* Effect.either(
          tokenDiscovery(
            {
              apiServerEndpoint: endpoint,
              token: "abcdef.0123456789abcdef",
              caCertHashes: [],
              unsafeSkipCAVerification: true
            },
            Duration.minutes(5)
          ).pipe(Effect.provide(kubeApi.layer), Effect.provide(crypto.layer), Effect.provide(output.fake(lines)))
        )
        expect(Either.isLeft(r) && r.left.reason).toBe("Invalid")
        expect(Either.isLeft(r) && r.left.message).toContain(`larger than ${MAX_RESPONSE_BYTES} bytes`)
        expect(sent.requests).toBe(1)
      })
  )

  it.live("the CSR bootstrap's calls: creating the CSR and watching it fail as BadResponse, not retried", () =>
    Effect.gen(function* () {
      reset()
      const api = yield* KubeApi
      const client = yield* api.client(
        simpleKubeconfig({
          clusterName: "k",
          cluster: { server: server.url, certificateAuthorityData: server.caPem },
          userName: "u",
          user: { token: "abcdef.0123456789abcdef" },
          contextName: "c"
        })
      )
      const created = yield* Effect.either(
        client.createCsr({ generateName: "csr-", request: "PEM", signerName: "s", usages: [] })
      )
      expect(Either.isLeft(created) && created.left).toMatchObject({ reason: "BadResponse" })
      expect(Either.isLeft(created) && created.left.message).toContain(`larger than ${MAX_RESPONSE_BYTES} bytes`)
      expect(sent.requests).toBe(1)
      // A watch line that never ends fails the stream instead of buffering forever.
      reset()
      const events: Array<unknown> = []
      const watched = yield* Effect.either(
        Stream.runCollect(client.watchCsr("csr-1").pipe(Stream.tap((e) => Effect.sync(() => events.push(e)))))
      )
      expect(events).toEqual([])
      expect(Either.isLeft(watched) && watched.left).toMatchObject({ reason: "BadResponse" })
      expect(Either.isLeft(watched) && watched.left.message).toContain(`larger than ${MAX_RESPONSE_BYTES} bytes`)
      expect(sent.requests).toBe(1)
      expect(sent.bytes).toBeLessThan(16 * MAX_RESPONSE_BYTES)
    }).pipe(Effect.provide(kubeApi.layer))
  )
})
