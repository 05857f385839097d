import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref } from "effect"
import { simpleKubeconfig } from "../src/kubeconfig/index.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import { KubeApi } from "../src/kube-api/kube-api.js"
import { type OutputLine } from "../src/output.js"
import { json, startTlsServer, statusBody, type TestServer } from "./helpers/tls-server.js"
import * as output from "../src/output.js"

let server: TestServer
beforeAll(async () => {
  server = await startTlsServer((_req, res) => json(res, 404, statusBody(404, "NotFound", "nothing")))
})
afterAll(() => server.close())

const kubeconfig = (caPem: string | undefined, token?: string, insecure = false) =>
  simpleKubeconfig({
    clusterName: "kubernetes",
    cluster: {
      server: server.url,
      ...(caPem !== undefined ? { certificateAuthorityData: caPem } : {}),
      ...(insecure ? { insecureSkipTlsVerify: true } : {})
    },
    userName: "u",
    user: token !== undefined ? { token } : {},
    contextName: "c"
  })

const cmBody = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "cluster-info", namespace: "kube-public" },
  data: { kubeconfig: "a: b\n" }
}

describe("KubeApi (live, client-node against a local HTTPS server)", () => {
  it.live("gets a ConfigMap with the bearer token, verified against the CA", () =>
    Effect.gen(function* () {
      server.handler = (_req, res) => json(res, 200, cmBody)
      server.requests.length = 0
      const api = yield* KubeApi
      const client = yield* api.client(kubeconfig(server.caPem, "abcdef.0123456789abcdef"))
      const cm = yield* client.getConfigMap("kube-public", "cluster-info")
      expect(cm.data).toEqual({ kubeconfig: "a: b\n" })
      expect(server.requests[0]).toMatchObject({
        method: "GET",
        path: "/api/v1/namespaces/kube-public/configmaps/cluster-info",
        authorization: "Bearer abcdef.0123456789abcdef"
      })
    }).pipe(Effect.provide(kubeApi.layer))
  )

  it.live("retries 5xx and 429 (Retry-After) and then succeeds; 4xx is not retried", () =>
    Effect.gen(function* () {
      const failures = [503, 429, 500]
      server.handler = (_req, res) => {
        const code = failures.shift()
        if (code === undefined) return json(res, 200, cmBody)
        json(
          res,
          code,
          statusBody(code, code === 429 ? "TooManyRequests" : "InternalError", "try later"),
          code === 429 ? { "retry-after": "1" } : {}
        )
      }
      server.requests.length = 0
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const client = yield* Effect.flatMap(KubeApi, (api) => api.client(kubeconfig(server.caPem))).pipe(
        Effect.provide(kubeApi.layer.pipe(Layer.provide(output.fake(lines))))
      )
      yield* client.getConfigMap("kube-public", "cluster-info")
      expect(server.requests.length).toBe(4)
      // the Retry-After second was honoured: the pause after the 429 is at least that
      const retries = (yield* Ref.get(lines)).map((l) => l.text)
      expect(retries).toHaveLength(3)
      expect(retries[1]).toMatch(/: attempt 2 failed \(429 TooManyRequests\), retrying in [1-9]s( \d+ms)?$/)

      server.handler = (_req, res) => json(res, 403, statusBody(403, "Forbidden", 'configmaps "x" is forbidden'))
      server.requests.length = 0
      const denied = yield* Effect.either(client.getConfigMap("kube-system", "x"))
      expect(server.requests.length).toBe(1)
      expect(Either.isLeft(denied) && denied.left).toMatchObject({
        _tag: "KubeApiError",
        status: 403,
        reason: "Forbidden"
      })
      expect(Either.isLeft(denied) && denied.left.message).toContain('configmaps "x" is forbidden')
    }).pipe(Effect.provide(kubeApi.layer))
  )

  it.live("each retry is a --v=2 detail line (status, reason, attempt, pause) without the bearer token", () =>
    Effect.gen(function* () {
      const failures = [503, 429]
      server.handler = (_req, res) => {
        const code = failures.shift()
        if (code === undefined) return json(res, 200, cmBody)
        json(
          res,
          code,
          statusBody(code, code === 429 ? "TooManyRequests" : "ServiceUnavailable", "try later"),
          code === 429 ? { "retry-after": "1" } : {}
        )
      }
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const secret = "abcdef.0123456789abcdef"
      yield* Effect.gen(function* () {
        const client = yield* Effect.flatMap(KubeApi, (api) => api.client(kubeconfig(server.caPem, secret)))
        yield* client.getConfigMap("kube-public", "cluster-info")
      }).pipe(Effect.provide(kubeApi.layer.pipe(Layer.provide(output.fake(lines)))))
      const got = yield* Ref.get(lines)
      expect(got.map((l) => [l.stream, l.level])).toEqual([
        ["detail", 2],
        ["detail", 2]
      ])
      expect(got[0]?.text).toMatch(
        /^\[kube-api\] get ConfigMap kube-public\/cluster-info at https:\/\/.+: attempt 1 failed \(503 ServerError\), retrying in \d+ms$/
      )
      // The pause of the 429 honours its Retry-After (at least one second).
      expect(got[1]?.text).toMatch(/: attempt 2 failed \(429 TooManyRequests\), retrying in [1-9]s( \d+ms)?$/)
      for (const l of got) expect(l.text).not.toContain("0123456789abcdef")
    })
  )

  it.live("a connection reset is retried", () =>
    Effect.gen(function* () {
      let resets = 1
      server.handler = (_req, res) => {
        if (resets-- > 0) return res.socket?.destroy()
        json(res, 200, cmBody)
      }
      server.requests.length = 0
      const client = yield* Effect.flatMap(KubeApi, (api) => api.client(kubeconfig(server.caPem)))
      expect((yield* client.getConfigMap("kube-public", "cluster-info")).data["kubeconfig"]).toBe("a: b\n")
      expect(server.requests.length).toBe(2)
    }).pipe(Effect.provide(kubeApi.layer))
  )

  it.live("an untrusted server is a TLSError; insecure mode skips verification; a closed port is Unreachable", () =>
    Effect.gen(function* () {
      server.handler = (_req, res) => json(res, 200, cmBody)
      const api = yield* KubeApi
      const other = yield* Effect.promise(() => import("./helpers/tls-server.js").then((m) => m.makeCa("other")))
      const wrong = yield* api.client(kubeconfig(other.certPem))
      const r = yield* Effect.either(wrong.getConfigMap("kube-public", "cluster-info"))
      expect(Either.isLeft(r) && r.left.reason).toBe("TLSError")
      const insecure = yield* api.client(kubeconfig(undefined), { insecureSkipTlsVerify: true })
      expect((yield* insecure.getConfigMap("kube-public", "cluster-info")).data["kubeconfig"]).toBe("a: b\n")
      const closed = yield* api.client(
        simpleKubeconfig({
          clusterName: "k",
          cluster: { server: "https://127.0.0.1:1" },
          userName: "u",
          user: {},
          contextName: "c"
        }),
        { retries: 0, insecureSkipTlsVerify: true }
      )
      const c = yield* Effect.either(closed.getConfigMap("kube-public", "cluster-info"))
      expect(Either.isLeft(c) && c.left.reason).toBe("Unreachable")
    }).pipe(Effect.provide(kubeApi.layer))
  )

  it.live("insecure only on request and never with credentials; no CA is refused, not the public roots", () =>
    Effect.gen(function* () {
      server.handler = (_req, res) => json(res, 200, cmBody)
      server.requests.length = 0
      const api = yield* KubeApi
      const secret = "abcdef.0123456789abcdef"
      const certUser = simpleKubeconfig({
        clusterName: "kubernetes",
        cluster: { server: server.url, certificateAuthorityData: server.caPem, insecureSkipTlsVerify: true },
        userName: "u",
        user: {
          clientCertificateData: "-----BEGIN CERTIFICATE-----\n",
          clientKeyData: "-----BEGIN PRIVATE KEY-----\n"
        },
        contextName: "c"
      })
      const refusals = [
        // a kubeconfig (kubelet.conf, admin.conf shape) that asks to skip verification with credentials
        yield* Effect.either(api.client(kubeconfig(server.caPem, secret, true))),
        yield* Effect.either(api.client(certUser)),
        // the explicit insecure client with credentials
        yield* Effect.either(api.client(kubeconfig(server.caPem, secret), { insecureSkipTlsVerify: true })),
        // a verified client without a CA (with or without credentials)
        yield* Effect.either(api.client(kubeconfig(undefined, secret))),
        yield* Effect.either(api.client(kubeconfig("", secret))),
        yield* Effect.either(api.client(kubeconfig(undefined)))
      ]
      for (const r of refusals) {
        expect(Either.isLeft(r) && r.left).toMatchObject({ _tag: "KubeApiError", reason: "TLSError" })
        expect(Either.isLeft(r) && r.left.message).not.toContain("0123456789abcdef")
      }
      // A kubeconfig's own insecure flag alone does not switch verification off: a wrong CA still fails.
      const other = yield* Effect.promise(() => import("./helpers/tls-server.js").then((m) => m.makeCa("other")))
      const flagged = yield* api.client(kubeconfig(other.certPem, undefined, true), { retries: 0 })
      const r = yield* Effect.either(flagged.getConfigMap("kube-public", "cluster-info"))
      expect(Either.isLeft(r) && r.left.reason).toBe("TLSError")
      expect(server.requests.every((q) => q.authorization === undefined)).toBe(true)
    }).pipe(Effect.provide(kubeApi.layer))
  )

  it.live("a request that gets no answer fails at the per-call deadline", () =>
    Effect.gen(function* () {
      server.handler = () => {} // never answers
      const client = yield* Effect.flatMap(KubeApi, (api) =>
        api.client(kubeconfig(server.caPem), { requestTimeout: "300 millis", retries: 1 })
      )
      const r = yield* Effect.either(client.getConfigMap("kube-public", "cluster-info"))
      expect(Either.isLeft(r) && r.left.reason).toBe("Timeout")
    }).pipe(Effect.provide(kubeApi.layer))
  )
})
