import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref } from "effect"
import { fakeHost } from "../src/host/index.js"
import { fakeCluster } from "../src/kube-api/index.js"
import { flagsEnvFile, Kubelet, kubeletFlags, KubeletLive } from "../src/kubelet/index.js"
import { collectingOutput, type OutputLine } from "../src/output.js"
import { memoryRootFs } from "../src/rootfs/index.js"

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
      registerTaints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }, { key: "spot", effect: "NoExecute" }],
      kubeletExtraArgs: { "node-ip": "10.0.0.5", "resolv-conf": "/etc/resolv.conf" }
    })
    expect(flagsEnvFile(flags)).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --hostname-override=custom --node-ip=10.0.0.5 --register-with-taints=dedicated=gpu:NoSchedule,spot:NoExecute --resolv-conf=/etc/resolv.conf"\n'
    )
  })
})

describe("Kubelet service: init system", () => {
  const layers = (host: ReturnType<typeof fakeHost>, lines: Ref.Ref<ReadonlyArray<OutputLine>>) =>
    KubeletLive.pipe(Layer.provide(Layer.mergeAll(host, memoryRootFs().layer, collectingOutput(lines), fakeCluster("https://h:6443").layer)))

  it.effect("without an init system it says so, and starts nothing", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const started = yield* Effect.flatMap(Kubelet, (k) => Effect.zipRight(k.stop, k.start)).pipe(Effect.provide(layers(fakeHost(), lines)))
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
      const host = fakeHost({
        initSystem: Effect.succeed("systemd"),
        lookPath: (name) => Effect.succeed(name === "systemctl" ? Option.some("/usr/bin/systemctl") : Option.none()),
        run: (path, args) => Effect.sync(() => (commands.push([path, ...args].join(" ")), { stdout: "Loaded: loaded", stderr: "", exitCode: 0 }))
      })
      const started = yield* Effect.flatMap(Kubelet, (k) => Effect.zipRight(k.stop, k.start)).pipe(Effect.provide(layers(host, lines)))
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
})
