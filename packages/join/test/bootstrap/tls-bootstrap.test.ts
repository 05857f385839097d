/** The CSR bootstrap's waits on the TestClock, against the fake cluster: pending, issued, denied, deleted, timed out. */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, type Duration, Effect, Either, Fiber, Ref, TestClock } from "effect"
import { type BootstrapProgress, tlsBootstrap } from "../../src/bootstrap/index.js"
import * as kubeApi from "../../src/kube-api/kube-api.js"
import { simpleKubeconfig } from "../../src/kubeconfig/index.js"

const SERVER = "https://10.0.0.10:6443"
const kubeconfig = simpleKubeconfig({
  clusterName: "kubernetes",
  cluster: { server: SERVER, certificateAuthorityData: "CA" },
  userName: "tls-bootstrap-token-user",
  user: { token: "abcdef.0123456789abcdef" },
  contextName: "c"
})

/** Starts a bootstrap against `cluster` and returns once its CSR exists. */
const started = (cluster: kubeApi.FakeCluster, timeout: Duration.DurationInput = "5 minutes") =>
  Effect.gen(function* () {
    const events = yield* Ref.make<ReadonlyArray<BootstrapProgress>>([])
    const created = yield* Deferred.make<string>()
    const fiber = yield* Effect.fork(
      Effect.either(
        tlsBootstrap({
          kubeconfig,
          nodeName: "node-1",
          timeout,
          onProgress: (p) =>
            Effect.zipRight(
              Ref.update(events, (all) => [...all, p]),
              p.kind === "csr-created" ? Deferred.succeed(created, p.csrName) : Effect.void
            )
        }).pipe(Effect.provide(cluster.layer))
      )
    )
    const csrName = yield* Deferred.await(created)
    return { fiber, events, csrName }
  })

const setStatus = (
  cluster: kubeApi.FakeCluster,
  name: string,
  status: NonNullable<kubeApi.CertificateSigningRequest["status"]>
) => {
  const csr = cluster.csrs.get(name)
  if (csr === undefined) throw new Error(`no CSR ${name}`)
  cluster.csrs.set(name, { ...csr, status })
}

describe("tlsBootstrap waits (TestClock)", () => {
  it.effect(
    "says 'CSR not yet approved' once while it waits, then 'approved, not yet issued', and returns the issued certificate",
    () =>
      Effect.gen(function* () {
        const cluster = kubeApi.fake(SERVER)
        const { fiber, events, csrName } = yield* started(cluster)
        yield* TestClock.adjust("2 seconds")
        expect(fiber.unsafePoll()).toBeNull()
        setStatus(cluster, csrName, { conditions: [{ type: "Approved", status: "True", reason: "Test" }] })
        yield* TestClock.adjust("2 seconds")
        expect(fiber.unsafePoll()).toBeNull()
        setStatus(cluster, csrName, {
          conditions: [{ type: "Approved", status: "True", reason: "Test" }],
          certificate: "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----"
        })
        yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(fiber)
        const r = Either.getOrThrow(result)
        expect(r.certPem).toBe("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n")
        expect(r.combinedPem).toBe(r.certPem + r.keyPem)
        expect(r.keyPem).toContain("-----BEGIN EC PRIVATE KEY-----")
        expect((yield* Ref.get(events)).map((e) => (e.kind === "pending" ? e.detail : e.kind))).toEqual([
          "csr-created",
          "CSR not yet approved",
          "CSR approved, certificate not yet issued",
          "issued"
        ])
        // the token was the identity of every call
        expect(new Set(cluster.calls.map((c) => c.identity))).toEqual(new Set(["token"]))
      })
  )

  it.effect("times out after the deadline, naming the CSR and what it waits for", () =>
    Effect.gen(function* () {
      const cluster = kubeApi.fake(SERVER)
      const { fiber, csrName } = yield* started(cluster, "1 minute")
      yield* TestClock.adjust("59 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left.reason).toBe("Timeout")
      expect(Either.isLeft(result) && result.left.message).toBe(
        `timed out waiting for the certificate signing request "${csrName}" to be approved and issued (CSR not yet approved)`
      )
    })
  )

  it.effect("a denied CSR fails at once with its condition", () =>
    Effect.gen(function* () {
      const cluster = kubeApi.fake(SERVER)
      const { fiber, csrName } = yield* started(cluster)
      setStatus(cluster, csrName, {
        conditions: [{ type: "Denied", status: "True", reason: "NotToday", message: "no" }]
      })
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left.reason).toBe("Rejected")
      expect(Either.isLeft(result) && result.left.message).toBe(
        `certificate signing request "${csrName}" was Denied (NotToday): no`
      )
    })
  )

  it.effect("a deleted CSR fails as Deleted", () =>
    Effect.gen(function* () {
      const cluster = kubeApi.fake(SERVER)
      const { fiber, csrName } = yield* started(cluster)
      cluster.csrs.delete(csrName)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left.message).toBe(
        `certificate signing request "${csrName}" was deleted before it was issued`
      )
    })
  )

  it.effect("a cluster that signs at once: no wait at all", () =>
    Effect.gen(function* () {
      const cluster = kubeApi.fake(SERVER, { signCsr: () => Effect.succeed("CERT") })
      const r = yield* tlsBootstrap({ kubeconfig, nodeName: "node-1", apiVersion: "v1beta1" }).pipe(
        Effect.provide(cluster.layer)
      )
      expect(r.certPem).toBe("CERT\n")
      expect(cluster.calls.map((c) => c.op)).toEqual([
        "create CertificateSigningRequest csr-*",
        `get CertificateSigningRequest ${r.csrName}`
      ])
    })
  )
})
