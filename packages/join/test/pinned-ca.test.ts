/**
 * With --discovery-token-ca-cert-hash, only the pinned certificates of cluster-info's CA
 * bundle are trusted and handed on (to ca.crt, the bootstrap kubeconfig). kubeadm trusts the
 * whole bundle once one certificate matches: an extra CA in it then vouches for any server.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Ref } from "effect"
import { caCertHash, jwsDetachedSign } from "../src/crypto/index.js"
import { pinnedCertificates, tokenDiscovery } from "../src/discovery/token.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import { serializeKubeconfig } from "../src/kubeconfig/index.js"
import { type OutputLine } from "../src/output.js"
import { json, makeCa, startTlsServer, statusBody, type TestServer } from "./helpers/tls-server.js"
import * as crypto from "../src/crypto/crypto.js"
import * as output from "../src/output.js"

const TOKEN_ID = "abcdef"
const SECRET = "0123456789abcdef"

let cluster: TestServer // the real API server, its certificate from the cluster CA
let impostor: TestServer // a server whose certificate comes from a CA the attacker added to the bundle
let attackerCaPem: string

/** Serves a signed cluster-info naming `server` and carrying `bundle`. */
const serveClusterInfo = (on: TestServer, server: string, bundle: string) => {
  const kubeconfig = serializeKubeconfig({
    clusters: [{ name: "", value: { server, certificateAuthorityData: bundle } }],
    users: [],
    contexts: [],
    currentContext: ""
  })
  const data = { kubeconfig, [`jws-kubeconfig-${TOKEN_ID}`]: jwsDetachedSign(kubeconfig, TOKEN_ID, SECRET) }
  on.handler = (req, res) =>
    req.path === "/api/v1/namespaces/kube-public/configmaps/cluster-info"
      ? json(res, 200, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "cluster-info", namespace: "kube-public" },
          data
        })
      : json(res, 404, statusBody(404, "NotFound", "not found"))
}

beforeAll(async () => {
  cluster = await startTlsServer(() => {})
  const attacker = await makeCa("attacker")
  attackerCaPem = attacker.certPem
  impostor = await startTlsServer(() => {}, "127.0.0.1", attacker)
})
afterAll(async () => {
  await cluster.close()
  await impostor.close()
})

const discover = (endpointUrl: string) =>
  Effect.gen(function* () {
    const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
    return yield* Effect.either(
      tokenDiscovery(
        {
          token: `${TOKEN_ID}.${SECRET}`,
          apiServerEndpoint: endpointUrl.replace("https://", ""),
          caCertHashes: [caCertHash(cluster.caPem)],
          unsafeSkipCAVerification: false
        },
        Duration.seconds(20)
      ).pipe(Effect.provide(Layer.mergeAll(kubeApi.layer, crypto.layer, output.fake(lines))))
    )
  })

describe("only the pinned CA is trusted", () => {
  it.live(
    "a bundle of the pinned CA plus another: only the pinned one is kept (for ca.crt and the bootstrap kubeconfig)",
    () =>
      Effect.gen(function* () {
        serveClusterInfo(cluster, cluster.url, cluster.caPem + attackerCaPem)
        const r = yield* discover(cluster.url)
        expect(Either.isRight(r) && r.right.caPem).toBe(cluster.caPem)
        expect(Either.isRight(r) && r.right.kubeconfig.clusters[0]?.value.certificateAuthorityData).toBe(cluster.caPem)
      })
  )

  it.live("a server certified by the extra CA is not trusted: the verified read fails, nothing is handed on", () =>
    Effect.gen(function* () {
      serveClusterInfo(impostor, impostor.url, cluster.caPem + attackerCaPem)
      impostor.requests.length = 0
      const r = yield* discover(impostor.url)
      expect(Either.isLeft(r) && r.left.reason).toBe("TlsFailure")
      // Only the unverified first read reached it, and never with a token.
      expect(impostor.requests.length).toBe(1)
      expect(impostor.requests.every((q) => q.authorization === undefined)).toBe(true)
    })
  )

  it("pinnedCertificates keeps the pinned blocks byte for byte, and the whole text when all are pinned", () => {
    const a = caCertHash(cluster.caPem)
    const b = caCertHash(attackerCaPem)
    expect(pinnedCertificates(cluster.caPem + attackerCaPem, [a, b], [a])).toBe(cluster.caPem)
    expect(pinnedCertificates(attackerCaPem + cluster.caPem, [b, a], [a])).toBe(cluster.caPem)
    expect(pinnedCertificates(cluster.caPem + attackerCaPem, [a, b], [a, b])).toBe(cluster.caPem + attackerCaPem)
  })
})
