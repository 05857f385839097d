/**
 * The whole worker join workflow with only fake layers: in-memory RootFs, fake
 * Host, in-memory Kubernetes API that signs CSRs with a test CA, no init system,
 * collected output. No network, no disk. Discovery, preflight, kubelet-start and the
 * in-process TLS bootstrap run their real code.
 */
import { describe, expect, it } from "@effect/vitest"
import { collectingReporter, type PhaseEvent, PhaseReporter, run, silentReporter } from "@kubeadm-ts/workflow"
import { Deferred, Effect, Fiber, Layer, Ref, TestClock } from "effect"
import { Health, layerTest as healthTest } from "../src/health/index.js"
import * as host from "../src/host/host.js"
import { joinLayer } from "../src/join-layer.js"
import { workerWorkflow } from "../src/join-workflow.js"
import * as kubelet from "../src/kubelet/kubelet.js"
import { type OutputLine } from "../src/output.js"
import { healthyMachine, options } from "./fixtures/config.js"
import { fakeClusterFor, pinnedWorkerConfig } from "./fixtures/fake-cluster.js"
import * as output from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"

const setupFor = fakeClusterFor
const setup = setupFor("v1.15.12")

/** No init system here: the kubelet is neither stopped nor started. */
const noInitSystem = kubelet.layerTest({ stop: Effect.void, start: () => Effect.succeed(false) })

/** The services of a worker join, built by joinLayer like the CLI's, with fakes where a test needs them: token discovery pinned to the fake cluster's CA, the in-process bootstrap (`--self-tls-bootstrap`), live crypto and JoinData. A worker's environment holds no Etcd at all. */
const workerLayers = (opts: {
  caPem: string
  api: Effect.Effect.Success<typeof setup>["api"]
  fs: rootfs.FakeRootFs
  lines: Ref.Ref<ReadonlyArray<OutputLine>>
  /** The kubelet's /healthz (kubelet-wait-bootstrap, current order); unused by the 1.15 order. */
  health?: Layer.Layer<Health>
  kubeletRunning?: boolean
  reporter?: Layer.Layer<PhaseReporter>
}) => {
  const config = pinnedWorkerConfig(opts.caPem)
  const services = joinLayer(
    { config, options: options({ selfTlsBootstrap: true }) },
    {
      rootFs: opts.fs.layer,
      host: host.fake({ processRunning: (name) => Effect.succeed(name === "kubelet" && opts.kubeletRunning === true) })
        .layer,
      kubeApi: opts.api.layer,
      output: output.fake(opts.lines),
      health: opts.health ?? healthTest(),
      kubelet: noInitSystem
    }
  )
  return Layer.merge(services, opts.reporter ?? silentReporter)
}

describe("the worker join workflow with fake layers only", () => {
  it.live("discovers, checks, writes the kubelet files, bootstraps and annotates the Node", () =>
    Effect.gen(function* () {
      const { caPem, api } = yield* setup
      const fs = rootfs.fake(healthyMachine)
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const layers = workerLayers({ caPem, api, fs, lines })
      yield* run(workerWorkflow).pipe(Effect.provide(layers))

      // Files, modes.
      expect(fs.entries.get("/etc/kubernetes/kubelet.conf")).toMatchObject({ kind: "file", mode: 0o600 })
      const current = fs.entries.get("/var/lib/kubelet/pki/kubelet-client-current.pem")
      const pem = current?.kind === "symlink" ? current.target : ""
      expect(pem).toMatch(/^kubelet-client-\d{4}(-\d{2}){5}\.pem$/)
      expect(fs.entries.get(`/var/lib/kubelet/pki/${pem}`)).toMatchObject({ kind: "file", mode: 0o600 })
      expect(fs.entries.get("/etc/kubernetes/pki/ca.crt")).toMatchObject({ kind: "file", mode: 0o644 })
      expect(fs.text("/etc/kubernetes/pki/ca.crt")).toBe(caPem)
      expect(fs.entries.get("/var/lib/kubelet")).toMatchObject({ kind: "dir", mode: 0o700 })
      expect(fs.text("/var/lib/kubelet/config.yaml")).toContain("kind: KubeletConfiguration")
      expect(fs.text("/var/lib/kubelet/kubeadm-flags.env")).toBe(
        'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=/var/run/containerd/containerd.sock"\n'
      )
      expect(fs.entries.has("/etc/kubernetes/bootstrap-kubelet.conf")).toBe(false)

      // The Node got its CRI socket annotation: a v1.15 cluster's kubeadm wrote the detected socket as a plain path.
      expect(api.nodes.get("node-1")?.metadata.annotations?.["kubeadm.alpha.kubernetes.io/cri-socket"]).toBe(
        "/var/run/containerd/containerd.sock"
      )

      // The token was only used after cluster-info was read twice, the second time verified.
      const firstToken = api.calls.findIndex((c) => c.identity === "token")
      expect(api.calls.slice(0, 2)).toEqual([
        { op: "get ConfigMap kube-public/cluster-info", identity: "anonymous", verified: false },
        { op: "get ConfigMap kube-public/cluster-info", identity: "anonymous", verified: true }
      ])
      expect(firstToken).toBe(2)

      // kubeadm's lines, in order.
      const info = (yield* Ref.get(lines)).filter((l) => l.stream === "info").map((l) => l.text)
      expect(info.slice(0, 4)).toEqual([
        "[preflight] Running pre-flight checks",
        "[preflight] Reading configuration from the cluster...",
        "[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'",
        '[kubelet-start] Downloading configuration for the kubelet from the "kubelet-config-1.15" ConfigMap in the kube-system namespace'
      ])
      expect(info).toContain('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"')
      expect(info).toContain(
        '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"'
      )
      const all = (yield* Ref.get(lines)).map((l) => l.text).join("\n")
      expect(all).not.toContain("0123456789abcdef")
      // the detected socket is told once at V(1), though preflight and kubelet-start both resolve it
      const detected = (yield* Ref.get(lines)).filter((l) => l.text.startsWith("detected and using CRI socket"))
      expect(detected).toEqual([
        {
          stream: "detail",
          level: 1,
          text: "detected and using CRI socket: unix:///var/run/containerd/containerd.sock"
        }
      ])
    })
  )

  it.live("a v1.28 cluster: the kubelet flag and the Node annotation carry the unix:// URL", () =>
    Effect.gen(function* () {
      const { caPem, api } = yield* setupFor("v1.28.4")
      const fs = rootfs.fake(healthyMachine)
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      yield* run(workerWorkflow).pipe(Effect.provide(workerLayers({ caPem, api, fs, lines })))
      expect(fs.text("/var/lib/kubelet/kubeadm-flags.env")).toBe(
        'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n'
      )
      expect(api.nodes.get("node-1")?.metadata.annotations?.["kubeadm.alpha.kubernetes.io/cri-socket"]).toBe(
        "unix:///var/run/containerd/containerd.sock"
      )
    })
  )

  it.live("a Ready Node with this name stops the join in preflight, before anything is written", () =>
    Effect.gen(function* () {
      const { caPem, api } = yield* setup
      api.nodes.set("node-1", {
        metadata: { name: "node-1" },
        status: { conditions: [{ type: "Ready", status: "True" }] }
      })
      const fs = rootfs.fake(healthyMachine)
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const layers = workerLayers({ caPem, api, fs, lines })
      const result = yield* Effect.either(run(workerWorkflow).pipe(Effect.provide(layers)))
      expect(result._tag === "Left" && result.left.message).toBe(
        'error execution phase preflight: a Node with name "node-1" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node'
      )
      expect(
        [...fs.entries.keys()].filter((k) => k.startsWith("/etc/kubernetes") || k.startsWith("/var/lib/kubelet"))
      ).toEqual([])
    })
  )

  it.live(
    "a v1.37 cluster: kubelet-start only starts the kubelet; kubelet-wait-bootstrap checks its /healthz, waits, drops bootstrap-kubelet.conf",
    () =>
      Effect.gen(function* () {
        const { caPem, api } = yield* setupFor("v1.37.2")
        const fs = rootfs.fake(healthyMachine)
        const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
        const events = yield* Ref.make<ReadonlyArray<PhaseEvent>>([])
        const probes: Array<{ url: string; bootstrapConfPresent: boolean }> = []
        const health = healthTest({
          get: (url) =>
            Effect.sync(
              () =>
                void probes.push({
                  url,
                  bootstrapConfPresent: fs.entries.has("/etc/kubernetes/bootstrap-kubelet.conf")
                })
            ).pipe(Effect.as(200))
        })
        const layers = workerLayers({
          caPem,
          api,
          fs,
          lines,
          health,
          kubeletRunning: true,
          reporter: collectingReporter(events)
        })
        yield* run(workerWorkflow).pipe(Effect.provide(layers))
        const started = (yield* Ref.get(events)).flatMap((e) => (e._tag === "Started" ? [e.phase] : []))
        expect(started).toEqual(["preflight", "kubelet-start", "kubelet-wait-bootstrap"])
        // the health check ran after kubelet-start, while bootstrap-kubelet.conf was still there; then it was removed
        expect(probes).toEqual([{ url: "http://127.0.0.1:10248/healthz", bootstrapConfPresent: true }])
        expect(fs.entries.has("/etc/kubernetes/bootstrap-kubelet.conf")).toBe(false)
        expect(fs.entries.get("/etc/kubernetes/kubelet.conf")).toMatchObject({ kind: "file", mode: 0o600 })
        const info = (yield* Ref.get(lines)).filter((l) => l.stream === "info").map((l) => l.text)
        expect(info).toContain(
          "[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s"
        )
        expect(info.some((l) => l.startsWith("[kubelet-check] The kubelet is healthy after "))).toBe(true)
        // NodeLocalCRISocket: no annotation
        expect(
          api.nodes.get("node-1")?.metadata.annotations?.["kubeadm.alpha.kubernetes.io/cri-socket"]
        ).toBeUndefined()
      })
  )

  it.effect(
    "a v1.37 cluster whose kubelet never gets healthy: kubelet-wait-bootstrap fails after timeouts.kubeletHealthCheck (TestClock) and drops bootstrap-kubelet.conf",
    () =>
      Effect.gen(function* () {
        const { caPem, api } = yield* setupFor("v1.37.2")
        const fs = rootfs.fake(healthyMachine)
        const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
        const probed = yield* Deferred.make<boolean>()
        const health = healthTest({ get: () => Effect.zipRight(Deferred.succeed(probed, true), Effect.succeed(503)) })
        const layers = workerLayers({ caPem, api, fs, lines, health, kubeletRunning: true })
        const result = yield* Effect.gen(function* () {
          const fiber = yield* Effect.fork(Effect.either(run(workerWorkflow).pipe(Effect.provide(layers))))
          yield* Deferred.await(probed)
          expect(fs.entries.has("/etc/kubernetes/bootstrap-kubelet.conf")).toBe(true)
          yield* TestClock.adjust("3 minutes")
          expect(fiber.unsafePoll()).toBeNull()
          yield* TestClock.adjust("61 seconds")
          return yield* Fiber.join(fiber)
        })
        expect(result._tag === "Left" && result.left.message).toBe(
          "error execution phase kubelet-wait-bootstrap: failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned status code: 503"
        )
        expect(fs.entries.has("/etc/kubernetes/bootstrap-kubelet.conf")).toBe(false)
      })
  )
})
