import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Layer, Option, Ref, TestClock } from "effect"
import * as crypto from "../src/crypto/crypto.js"
import { kubeletKubeconfig, serializeKubeconfig } from "../src/kubeconfig/index.js"
import { bootstrapPending, flagsEnvFile, Kubelet, kubeletFlags, waitForTlsBootstrap } from "../src/kubelet/index.js"
import * as kubelet from "../src/kubelet/kubelet.js"
import { type OutputLine } from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import * as host from "../src/host/host.js"
import type { Host } from "../src/host/host.js"
import * as output from "../src/output.js"

const base = {
  criSocket: "unix:///var/run/containerd/containerd.sock",
  nodeName: "node-1",
  hostname: "node-1",
  registerTaints: [],
  kubeletExtraArgs: {},
  kubernetesMinor: 15,
  systemdResolvedRunning: false
}

describe("kubeadm-flags.env", () => {
  it("v1.15 cluster: remote runtime and its endpoint, sorted, Go-quoted", () => {
    expect(flagsEnvFile(kubeletFlags(base))).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n'
    )
  })

  it("taints, hostname-override, resolv-conf; extra args win; no --container-runtime from 1.24", () => {
    const flags = kubeletFlags({
      ...base,
      nodeName: "custom",
      kubernetesMinor: 30,
      systemdResolvedRunning: true,
      registerTaints: [
        { key: "dedicated", value: "gpu", effect: "NoSchedule" },
        { key: "spot", effect: "NoExecute" }
      ],
      kubeletExtraArgs: { "node-ip": "10.0.0.5", "resolv-conf": "/etc/resolv.conf" }
    })
    expect(flagsEnvFile(flags)).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --hostname-override=custom --node-ip=10.0.0.5 --register-with-taints=dedicated=gpu:NoSchedule,spot:NoExecute --resolv-conf=/etc/resolv.conf"\n'
    )
  })
})

describe("Kubelet service: init system", () => {
  const layers = (host: Layer.Layer<Host>, lines: Ref.Ref<ReadonlyArray<OutputLine>>) =>
    kubelet.layer.pipe(Layer.provide(Layer.mergeAll(host, output.fake(lines))))

  it.effect("without an init system it says so, and starts nothing", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const started = yield* Effect.flatMap(Kubelet, (k) => Effect.zipRight(k.stop, k.start("v1.15"))).pipe(
        Effect.provide(layers(host.fake().layer, lines))
      )
      expect(started).toBe(false)
      expect((yield* Ref.get(lines)).map((l) => l.text)).toEqual([
        "[kubelet-start] no supported init system detected, won't make sure the kubelet not running for a short period of time while setting up configuration for it.",
        "[kubelet-start] no supported init system detected, won't make sure the kubelet is running properly."
      ])
    })
  )

  it.effect("with systemd: stop, then daemon-reload and restart", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const commands: Array<string> = []
      const machine = host.fake({
        initSystem: Effect.succeed("systemd"),
        lookPath: (name) => Effect.succeed(name === "systemctl" ? Option.some("/usr/bin/systemctl") : Option.none()),
        run: (path, args) =>
          Effect.sync(
            () => (commands.push([path, ...args].join(" ")), { stdout: "Loaded: loaded", stderr: "", exitCode: 0 })
          )
      }).layer
      const started = yield* Effect.flatMap(Kubelet, (k) => Effect.zipRight(k.stop, k.start("v1.15"))).pipe(
        Effect.provide(layers(machine, lines))
      )
      expect(started).toBe(true)
      expect(commands).toEqual([
        "/usr/bin/systemctl status kubelet",
        "/usr/bin/systemctl stop kubelet",
        "/usr/bin/systemctl daemon-reload",
        "/usr/bin/systemctl restart kubelet"
      ])
      expect((yield* Ref.get(lines)).map((l) => l.text)).toEqual(["[kubelet-start] Activating the kubelet service"])
    })
  )

  it.effect("current kubeadm's wording: 'Starting the kubelet' first, with or without an init system", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const started = yield* Effect.flatMap(Kubelet, (k) => k.start("current")).pipe(
        Effect.provide(layers(host.fake().layer, lines))
      )
      expect(started).toBe(false)
      expect((yield* Ref.get(lines)).map((l) => l.text)).toEqual([
        "[kubelet-start] Starting the kubelet",
        "[kubelet-start] No supported init system detected, won't make sure the kubelet is running properly."
      ])
    })
  )
})

describe("waiting for the TLS bootstrap", () => {
  it.effect("says what is pending while it waits, and in the timeout error", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const layer = Layer.mergeAll(rootfs.fake().layer, host.fake().layer, output.fake(lines), crypto.layer)
      const fiber = yield* Effect.fork(
        Effect.either(waitForTlsBootstrap(Duration.seconds(30), " (hint)").pipe(Effect.provide(layer)))
      )
      yield* TestClock.adjust("31 seconds")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left.message).toBe(
        "timed out after 30s waiting for the kubelet to perform the TLS Bootstrap: /etc/kubernetes/kubelet.conf does not exist yet: no kubelet process is running on this machine (hint)"
      )
      const info = (yield* Ref.get(lines)).filter((l) => l.stream === "info").map((l) => l.text)
      expect(info[0]).toBe(
        "[kubelet-start] Still waiting after 10s: /etc/kubernetes/kubelet.conf does not exist yet: no kubelet process is running on this machine"
      )
      expect(info.length).toBeGreaterThanOrEqual(2)
    })
  )

  it.effect("kubelet.conf written but its client certificate not yet there: says the CSR is pending", () =>
    Effect.gen(function* () {
      const fs = rootfs.fake({
        "/etc/kubernetes/kubelet.conf": serializeKubeconfig(
          kubeletKubeconfig({ server: "https://h:6443", caPem: "CA" })
        )
      })
      const pending = yield* bootstrapPending.pipe(
        Effect.provide(
          Layer.mergeAll(fs.layer, host.fake({ processRunning: () => Effect.succeed(true) }).layer, crypto.layer)
        )
      )
      expect(Option.getOrThrow(pending)).toContain("is not issued: CSR not yet approved?")
    })
  )
})
