/** The two KubeletBootstrap layers: what differs between the external kubelet and --self-tls-bootstrap. */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Layer, Ref, TestClock } from "effect"
import * as kubeletBootstrap from "../src/bootstrap/kubelet-bootstrap.js"
import { KubeletBootstrap } from "../src/bootstrap/kubelet-bootstrap.js"
import { layerTest as healthTest } from "../src/health/index.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import { simpleKubeconfig } from "../src/kubeconfig/index.js"
import { type OutputLine } from "../src/output.js"
import * as crypto from "../src/crypto/crypto.js"
import * as host from "../src/host/host.js"
import * as output from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"

const env = (lines: Ref.Ref<ReadonlyArray<OutputLine>>, kubeletRunning = false) =>
  Layer.mergeAll(
    rootfs.fake({ "/var/lib/kubelet/config.yaml": "healthzPort: 0\n" }).layer,
    host.fake({ processRunning: (name) => Effect.succeed(name === "kubelet" && kubeletRunning) }).layer,
    output.fake(lines),
    crypto.layer,
    healthTest(),
    kubeApi.layerTest()
  )

const info = (lines: Ref.Ref<ReadonlyArray<OutputLine>>) =>
  Effect.map(Ref.get(lines), (all) => all.filter((l) => l.stream === "info").map((l) => l.text))

/** Waits 30s (TestClock) for a kubelet.conf that never comes. */
const awaitNothing = (
  layer: typeof kubeletBootstrap.layerInProcess,
  lines: Ref.Ref<ReadonlyArray<OutputLine>>,
  started: boolean
) =>
  Effect.gen(function* () {
    const wait = Effect.flatMap(KubeletBootstrap, (b) =>
      b.awaitBootstrap({ phase: "kubelet-start", timeout: Duration.seconds(30), started, existing: "absent" })
    )
    const fiber = yield* Effect.fork(Effect.either(wait.pipe(Effect.provide(layer.pipe(Layer.provide(env(lines)))))))
    yield* TestClock.adjust("31 seconds")
    return yield* Fiber.join(fiber)
  })

describe("KubeletBootstrap layers", () => {
  it.effect(
    "external: announces the wait for the kubelet and, when no init system started one, says how to run it",
    () =>
      Effect.gen(function* () {
        const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
        const result = yield* awaitNothing(kubeletBootstrap.layerExternal, lines, false)
        const printed = yield* info(lines)
        expect(printed[0]).toBe("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...")
        expect(printed[1]).toMatch(
          /^\[kubelet-start\] Waiting for an external kubelet \(no init system started a kubelet here: run one with --bootstrap-kubeconfig=.*or join with --self-tls-bootstrap\)$/
        )
        expect(Either.isLeft(result) && result.left.reason).toBe("TlsBootstrapTimeout")
        expect(Either.isLeft(result) && result.left.message).toContain("or join with --self-tls-bootstrap)")
      })
  )

  it.effect("in-process: the wait only checks kubelet.conf, announcing no kubelet and giving no hint", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const result = yield* awaitNothing(kubeletBootstrap.layerInProcess, lines, false)
      expect((yield* info(lines)).filter((l) => l.includes("Waiting for"))).toEqual([])
      expect(Either.isLeft(result) && result.left.message).not.toContain("--self-tls-bootstrap")
    })
  )

  it.effect("in-process: no health check without a kubelet; external: the kubelet's configuration decides", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const check = (layer: typeof kubeletBootstrap.layerInProcess) =>
        Effect.flatMap(KubeletBootstrap, (b) => b.awaitHealthy(Duration.minutes(4))).pipe(
          Effect.provide(layer.pipe(Layer.provide(env(lines))))
        )
      yield* check(kubeletBootstrap.layerInProcess)
      yield* check(kubeletBootstrap.layerExternal)
      expect(yield* info(lines)).toEqual([
        "[kubelet-check] Skipping the kubelet health check: no kubelet runs here and --self-tls-bootstrap did the TLS Bootstrap",
        "[kubelet-check] Skipping the kubelet health check because the healthz port is set to 0"
      ])
    })
  )

  it.effect(
    "in-process: a machine that already is the Ready Node gets no new certificate; external: the kubelet does it, nothing here",
    () =>
      Effect.gen(function* () {
        const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
        const input = {
          bootstrap: simpleKubeconfig({
            clusterName: "k",
            cluster: { server: "https://h:6443", certificateAuthorityData: "CA" },
            userName: "u",
            user: { token: "abcdef.0123456789abcdef" },
            contextName: "c"
          }),
          nodeName: "node-1",
          caPem: "CA",
          csrApiVersion: "v1" as const,
          existing: "ours" as const
        }
        // KubeApi.layerTest dies on any use: neither layer sends a CSR here
        for (const layer of [kubeletBootstrap.layerInProcess, kubeletBootstrap.layerExternal]) {
          yield* Effect.flatMap(KubeletBootstrap, (b) => b.beforeKubeletStart(input)).pipe(
            Effect.provide(layer.pipe(Layer.provide(env(lines))))
          )
        }
        expect(yield* info(lines)).toEqual([
          '[kubelet-start] /etc/kubernetes/kubelet.conf already holds a valid client certificate for "system:node:node-1": no new TLS Bootstrap'
        ])
      })
  )
})
