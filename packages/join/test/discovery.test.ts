import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Ref } from "effect"
import { caCertHash, jwsDetachedSign } from "../src/crypto/index.js"
import { fileDiscovery, tokenDiscovery } from "../src/discovery/index.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import { serializeKubeconfig } from "../src/kubeconfig/index.js"
import { type OutputLine } from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { json, makeCa, startTlsServer, statusBody, type TestServer } from "./helpers/tls-server.js"
import * as crypto from "../src/crypto/crypto.js"
import * as output from "../src/output.js"

const TOKEN_ID = "abcdef"
const SECRET = "0123456789abcdef"
const TOKEN = `${TOKEN_ID}.${SECRET}`

let server: TestServer
let clusterInfoText: string
let pin: string

const clusterInfoKubeconfig = (url: string, caPem: string) =>
  serializeKubeconfig({
    clusters: [{ name: "", value: { server: url, certificateAuthorityData: caPem } }],
    users: [],
    contexts: [],
    currentContext: ""
  })

const serve = (data: Record<string, string>) => {
  server.handler = (req, res) =>
    req.path === "/api/v1/namespaces/kube-public/configmaps/cluster-info"
      ? json(res, 200, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "cluster-info", namespace: "kube-public" },
          data
        })
      : json(res, 404, statusBody(404, "NotFound", "not found"))
}
const signed = () => ({
  kubeconfig: clusterInfoText,
  [`jws-kubeconfig-${TOKEN_ID}`]: jwsDetachedSign(clusterInfoText, TOKEN_ID, SECRET)
})

beforeAll(async () => {
  server = await startTlsServer(() => {})
  clusterInfoText = clusterInfoKubeconfig(server.url, server.caPem)
  pin = caCertHash(server.caPem)
})
afterAll(() => server.close())

const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
    const result = yield* Effect.either(
      effect.pipe(Effect.provide(Layer.mergeAll(kubeApi.layer, crypto.layer, output.fake(lines), rootfs.fake().layer)))
    ) as Effect.Effect<Either.Either<A, E>>
    return { result, lines: yield* Ref.get(lines) }
  })

const token = (over: Partial<Parameters<typeof tokenDiscovery>[0]> = {}) =>
  tokenDiscovery(
    {
      token: TOKEN,
      apiServerEndpoint: server.url.replace("https://", ""),
      caCertHashes: [pin],
      unsafeSkipCAVerification: false,
      ...over
    },
    Duration.seconds(20)
  )

describe("token discovery (live clients against a local HTTPS server)", () => {
  it.live("verifies JWS and pin, re-reads over verified TLS, never sends the token", () =>
    Effect.gen(function* () {
      serve(signed())
      server.requests.length = 0
      const { result } = yield* run(
        token({ caCertHashes: ["sha256:" + "0".repeat(64), pin.toUpperCase().replace("SHA256", "sha256")] })
      )
      expect(Either.isRight(result) && result.right.server).toBe(server.url)
      expect(Either.isRight(result) && result.right.caPem).toBe(server.caPem)
      expect(server.requests.map((r) => r.path)).toEqual([
        "/api/v1/namespaces/kube-public/configmaps/cluster-info",
        "/api/v1/namespaces/kube-public/configmaps/cluster-info"
      ])
      expect(server.requests.every((r) => r.authorization === undefined)).toBe(true)
    })
  )

  it.live("a wrong pin fails at once and prints the hash actually seen", () =>
    Effect.gen(function* () {
      serve(signed())
      const wrong = "sha256:" + "1".repeat(64)
      const { result } = yield* run(token({ caCertHashes: [wrong] }))
      expect(Either.isLeft(result) && result.left.reason).toBe("PinMismatch")
      expect(Either.isLeft(result) && result.left.message).toContain(pin)
    })
  )

  it.live("a malformed hash, a bad signature, a changed cluster-info each have their own error", () =>
    Effect.gen(function* () {
      serve(signed())
      const malformed = yield* run(token({ caCertHashes: ["sha256:abc"] }))
      expect(Either.isLeft(malformed.result) && malformed.result.left.reason).toBe("MalformedPin")

      serve({
        kubeconfig: clusterInfoText,
        [`jws-kubeconfig-${TOKEN_ID}`]: jwsDetachedSign(clusterInfoText, TOKEN_ID, "ffffffffffffffff")
      })
      const bad = yield* run(token())
      expect(Either.isLeft(bad.result) && bad.result.left.reason).toBe("BadSignature")
      expect(Either.isLeft(bad.result) && bad.result.left.message).not.toContain(SECRET)

      let n = 0
      server.handler = (_req, res) => {
        const text = n++ === 0 ? clusterInfoText : clusterInfoText + "# changed\n"
        json(res, 200, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "cluster-info" },
          data: { kubeconfig: text, [`jws-kubeconfig-${TOKEN_ID}`]: jwsDetachedSign(text, TOKEN_ID, SECRET) }
        })
      }
      const changed = yield* run(token())
      expect(Either.isLeft(changed.result) && changed.result.left.reason).toBe("Changed")
    })
  )

  it.live("a missing JWS is retried for a short grace period, then says the token is invalid or expired", () =>
    Effect.gen(function* () {
      serve({ kubeconfig: clusterInfoText })
      const missing = yield* run(
        tokenDiscovery(
          {
            token: TOKEN,
            apiServerEndpoint: server.url.replace("https://", ""),
            caCertHashes: [pin],
            unsafeSkipCAVerification: false
          },
          Duration.seconds(1)
        )
      )
      expect(Either.isLeft(missing.result) && missing.result.left.reason).toBe("NoJws")
      expect(Either.isLeft(missing.result) && missing.result.left.message).toContain('Use "kubeadm token create"')

      // Signed while we wait (right after the server answered a read without it): succeeds.
      server.requests.length = 0
      serve({ kubeconfig: clusterInfoText })
      const unsigned = server.handler
      server.handler = (req, res) => {
        unsigned(req, res)
        serve(signed())
      }
      const ok = yield* run(token())
      expect(Either.isRight(ok.result)).toBe(true)
      expect(ok.lines.map((l) => l.text)).toContain(
        `[discovery] Waiting for the cluster-info ConfigMap to receive a JWS signature for token ID "${TOKEN_ID}"`
      )
      expect(server.requests.length).toBe(3) // unsigned, signed, the verified second read
    })
  )

  it.live("a man in the middle relaying cluster-info fails the verified second read", () =>
    Effect.gen(function* () {
      serve(signed())
      const mitm = yield* Effect.promise(() =>
        makeCa("evil").then((ca) =>
          startTlsServer(
            (_req, res) =>
              json(res, 200, {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "cluster-info" },
                data: signed()
              }),
            "127.0.0.1",
            ca
          )
        )
      )
      const { result } = yield* run(
        tokenDiscovery(
          {
            token: TOKEN,
            apiServerEndpoint: mitm.url.replace("https://", ""),
            caCertHashes: [pin],
            unsafeSkipCAVerification: false
          },
          Duration.seconds(5)
        )
      )
      yield* Effect.promise(() => mitm.close())
      expect(Either.isLeft(result) && result.left.reason).toBe("TlsFailure")
      expect(mitm.requests.every((r) => r.authorization === undefined)).toBe(true)
    })
  )

  it.live("unsafe skip: JWS still checked, no second read; 5xx are retried", () =>
    Effect.gen(function* () {
      const failures = [500, 500]
      server.handler = (_req, res) => {
        const code = failures.shift()
        if (code !== undefined) return json(res, code, statusBody(code, "InternalError", "boom"))
        json(res, 200, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cluster-info" }, data: signed() })
      }
      server.requests.length = 0
      const { result } = yield* run(token({ caCertHashes: [], unsafeSkipCAVerification: true }))
      expect(Either.isRight(result)).toBe(true)
      expect(server.requests.length).toBe(3)
    })
  )
})

describe("token discovery: cluster-info without a CA", () => {
  it.live("is invalid, also with unsafe skip (an empty CA would trust the public roots later)", () =>
    Effect.gen(function* () {
      const noCa = serializeKubeconfig({
        clusters: [{ name: "", value: { server: server.url } }],
        users: [],
        contexts: [],
        currentContext: ""
      })
      serve({ kubeconfig: noCa, [`jws-kubeconfig-${TOKEN_ID}`]: jwsDetachedSign(noCa, TOKEN_ID, SECRET) })
      for (const over of [{ caCertHashes: [], unsafeSkipCAVerification: true }, {}]) {
        const { result } = yield* run(token(over))
        expect(Either.isLeft(result) && result.left.reason).toBe("Invalid")
        expect(Either.isLeft(result) && result.left.message).toContain("carries no CA certificate")
      }
    })
  )
})

describe("file discovery", () => {
  const fileKubeconfig = () =>
    serializeKubeconfig({
      clusters: [{ name: "k", value: { server: server.url, certificateAuthorityData: server.caPem } }],
      users: [],
      contexts: [{ name: "c", value: { cluster: "k", user: "" } }],
      currentContext: "c"
    })

  it.live("from a local file inside the rootfs, checked against the server", () =>
    Effect.gen(function* () {
      serve(signed())
      const fs = rootfs.fake({ "/srv/discovery.conf": fileKubeconfig() })
      const r = yield* Effect.either(
        fileDiscovery({ kubeConfigPath: "/srv/discovery.conf" }, Duration.seconds(10)).pipe(
          Effect.provide(
            Layer.mergeAll(kubeApi.layer, fs.layer, output.fake(Ref.unsafeMake<ReadonlyArray<OutputLine>>([])))
          )
        )
      )
      expect(Either.isRight(r) && r.right.server).toBe(server.url)
    })
  )

  it.live(
    "--v=1 lines as kubeadm's: credentials, client created, cluster-info not set up; a 403 is a warning, not a failure",
    () =>
      Effect.gen(function* () {
        serve({}) // a cluster-info without its kubeconfig key
        const fs = rootfs.fake({ "/srv/discovery.conf": fileKubeconfig() })
        const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
        const layer = Layer.mergeAll(kubeApi.layer, fs.layer, output.fake(lines))
        const r = yield* Effect.either(
          fileDiscovery({ kubeConfigPath: "/srv/discovery.conf" }, Duration.seconds(10)).pipe(Effect.provide(layer))
        )
        expect(Either.isRight(r)).toBe(true)
        expect((yield* Ref.get(lines)).map((l) => [l.stream, l.level, l.text])).toEqual([
          [
            "detail",
            1,
            "[discovery] Discovery file does not contains authentication credentials, using unauthenticated request for validating TLS connection"
          ],
          ["detail", 1, `[discovery] Created cluster-info discovery client, requesting info from "${server.url}"`],
          [
            "detail",
            1,
            "[discovery] The cluster-info ConfigMap isn't set up properly (no kubeconfig key in ConfigMap), but the TLS cert is valid so proceeding..."
          ]
        ])

        server.handler = (_req, res) =>
          json(res, 403, statusBody(403, "Forbidden", 'configmaps "cluster-info" is forbidden'))
        yield* Ref.set(lines, [])
        const denied = yield* Effect.either(
          fileDiscovery({ kubeConfigPath: "/srv/discovery.conf" }, Duration.seconds(10)).pipe(Effect.provide(layer))
        )
        expect(Either.isRight(denied)).toBe(true)
        expect((yield* Ref.get(lines)).filter((l) => l.stream === "warn").map((l) => l.text)).toEqual([
          "[discovery] Could not access the cluster-info ConfigMap for refreshing the cluster-info information, but the TLS cert is valid so proceeding..."
        ])
      })
  )

  it.live("from an https URL trusted through the rootfs CA bundle; http:// refused; untrusted URL fails", () =>
    Effect.gen(function* () {
      server.handler = (req, res) =>
        req.path === "/discovery.yaml"
          ? (res.writeHead(200), res.end(fileKubeconfig()))
          : json(res, 403, statusBody(403, "Forbidden", "no"))
      const layers = (fs: rootfs.FakeRootFs) =>
        Layer.mergeAll(kubeApi.layer, fs.layer, output.fake(Ref.unsafeMake<ReadonlyArray<OutputLine>>([])))
      const trusted = rootfs.fake({ "/etc/ssl/certs/ca-certificates.crt": server.caPem })
      const ok = yield* Effect.either(
        fileDiscovery({ kubeConfigPath: `${server.url}/discovery.yaml` }, Duration.seconds(10)).pipe(
          Effect.provide(layers(trusted))
        )
      )
      expect(Either.isRight(ok) && ok.right.caPem).toBe(server.caPem)

      const http = yield* Effect.either(
        fileDiscovery({ kubeConfigPath: "http://127.0.0.1/x" }, Duration.seconds(10)).pipe(
          Effect.provide(layers(trusted))
        )
      )
      expect(Either.isLeft(http) && http.left.message).toContain("the scheme must be https")

      const other = yield* Effect.promise(() => makeCa("other"))
      const untrusted = rootfs.fake({ "/etc/pki/tls/certs/ca-bundle.crt": other.certPem })
      const bad = yield* Effect.either(
        fileDiscovery({ kubeConfigPath: `${server.url}/discovery.yaml` }, Duration.seconds(10)).pipe(
          Effect.provide(layers(untrusted))
        )
      )
      expect(Either.isLeft(bad) && bad.left.reason).toBe("File")
    })
  )
})

describe("discovery deadlines", () => {
  it("goDuration prints like Go", async () => {
    const { goDuration } = await import("../src/discovery/index.js")
    expect([
      goDuration("5 minutes"),
      goDuration("40 seconds"),
      goDuration("1 hour"),
      goDuration("500 millis"),
      goDuration("1500 millis")
    ]).toEqual(["5m0s", "40s", "1h0m0s", "500ms", "1.5s"])
  })

  it.live("an endpoint where nothing listens is retried until the timeout, then named unreachable", () =>
    Effect.gen(function* () {
      const { result } = yield* run(
        tokenDiscovery(
          { token: TOKEN, apiServerEndpoint: "127.0.0.1:1", caCertHashes: [pin], unsafeSkipCAVerification: false },
          Duration.seconds(1)
        )
      )
      expect(Either.isLeft(result) && result.left.reason).toBe("Unreachable")
      expect(Either.isLeft(result) && result.left.message).toContain('cannot reach the API server at "127.0.0.1:1"')
      expect(Either.isLeft(result) && result.left.message).toContain("still failing after 1s")
    })
  )

  it.live("a server that never answers hits the overall discovery timeout", () =>
    Effect.gen(function* () {
      server.handler = () => {}
      const { result } = yield* run(
        tokenDiscovery(
          {
            token: TOKEN,
            apiServerEndpoint: server.url.replace("https://", ""),
            caCertHashes: [pin],
            unsafeSkipCAVerification: false
          },
          Duration.seconds(1)
        )
      )
      expect(Either.isLeft(result) && result.left.message).toBe(
        "couldn't validate the identity of the API Server: abort connecting to API servers after timeout of 1s"
      )
    })
  )
})
