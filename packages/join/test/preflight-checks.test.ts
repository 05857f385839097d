import { describe, expect, it } from "@effect/vitest"
import { ignoreSet, runChecks } from "@kubeadm-ts/workflow"
import { Effect, Either, Fiber, Layer, Option, Ref, TestClock } from "effect"
import * as host from "../src/host/host.js"
import type { Host } from "../src/host/host.js"
import { criSocketForCluster, resolveCriSocket, workerChecks } from "../src/host/index.js"
import { containerRuntimeVersionCheck, HOSTNAME_LOOKUP_TIMEOUT, hostnameCheck } from "../src/host/checks.js"
import { type OutputLine } from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { healthyMachine, options, workerConfig } from "./fixtures/config.js"
import * as joinContext from "../src/join-context.js"
import * as output from "../src/output.js"

const names = workerChecks(workerConfig()).map((c) => c.name)

describe("worker preflight checks", () => {
  it("have kubeadm's names in kubeadm's order", () => {
    expect(names).toEqual([
      "DirAvailable--etc-kubernetes-manifests",
      "FileAvailable--etc-kubernetes-kubelet.conf",
      "FileAvailable--etc-kubernetes-bootstrap-kubelet.conf",
      "CRI",
      "ContainerRuntimeVersion",
      "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables",
      "FileContent--proc-sys-net-ipv4-ip_forward",
      "Swap",
      "FileExisting-ip",
      "FileExisting-iptables",
      "FileExisting-mount",
      "FileExisting-nsenter",
      "FileExisting-ebtables",
      "FileExisting-ethtool",
      "FileExisting-socat",
      "FileExisting-tc",
      "FileExisting-touch",
      "SystemVerification",
      "Hostname",
      "KubeletVersion",
      "Service-Kubelet",
      "Port-10250",
      "FileAvailable--etc-kubernetes-pki-ca.crt",
      "HTTPProxy"
    ])
  })

  it.effect("pass on a healthy machine (only the no-init-system warning)", () =>
    Effect.gen(function* () {
      const r = yield* runChecks(workerChecks(workerConfig()), ignoreSet([]))
      expect(r.warnings).toEqual([
        "[WARNING Service-Kubelet]: no supported init system detected, skipping checking for services"
      ])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          rootfs.fake(healthyMachine).layer,
          host.fake().layer,
          joinContext.layer(workerConfig(), options())
        )
      )
    )
  )

  it.effect("report each failure with kubeadm's message and severity; ignored errors become warnings", () =>
    Effect.gen(function* () {
      const fs = rootfs.fake({
        "/proc/sys/net/bridge/bridge-nf-call-iptables": "0\n",
        "/proc/swaps": "Filename\tType\n/swapfile file 1024 0 -2\n",
        "/etc/kubernetes/kubelet.conf": "x",
        "/etc/kubernetes/manifests/etcd.yaml": "x"
      })
      const machine = host.fake({ binaries: ["ip", "mount", "nsenter"], portInUse: () => Effect.succeed(true) }).layer
      const r = yield* Effect.either(
        runChecks(workerChecks(workerConfig()), ignoreSet(["swap"])).pipe(
          Effect.provide(Layer.mergeAll(fs.layer, machine, joinContext.layer(workerConfig(), options())))
        )
      )
      expect(Either.isLeft(r)).toBe(true)
      if (Either.isRight(r)) return
      expect(r.left.lines).toEqual([
        "[ERROR DirAvailable--etc-kubernetes-manifests]: /etc/kubernetes/manifests is not empty",
        "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists",
        "[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1",
        "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward does not exist",
        "[ERROR FileExisting-iptables]: iptables not found in system path",
        "[ERROR KubeletVersion]: couldn't get kubelet version: cannot execute 'kubelet --version': executable file not found in $PATH",
        "[ERROR Port-10250]: Port 10250 is in use"
      ])
    })
  )

  it.effect("CRI: a runtime that is not ready or not answering is an error; several sockets must be chosen", () =>
    Effect.gen(function* () {
      const run = (machine: Layer.Layer<Host>) =>
        Effect.either(
          runChecks(
            workerChecks(workerConfig()).filter((c) => c.name === "CRI"),
            ignoreSet([])
          )
        ).pipe(
          Effect.provide(
            Layer.mergeAll(rootfs.fake(healthyMachine).layer, machine, joinContext.layer(workerConfig(), options()))
          )
        )
      const notReady = yield* run(
        host.fake({
          criStatus: () => Effect.succeed([{ type: "RuntimeReady", status: false, reason: "Broken", message: "disk" }])
        }).layer
      )
      expect(Either.isLeft(notReady) && notReady.left.lines[0]).toBe(
        "[ERROR CRI]: container runtime is not ready: RuntimeReady=false reason:Broken message:disk"
      )
      const two = yield* run(
        host.fake({
          criEndpointsPresent: Effect.succeed([
            "unix:///var/run/containerd/containerd.sock",
            "unix:///var/run/crio/crio.sock"
          ])
        }).layer
      )
      expect(Either.isLeft(two) && two.left.lines[0]).toContain("found multiple CRI endpoints on the host")
    })
  )
})

describe("endpoint-dependent checks", () => {
  it.effect(
    "HTTPProxy warns when the environment would proxy the API server; IPv6 endpoints add the IPv6 sysctls",
    () =>
      Effect.gen(function* () {
        const config = workerConfig({
          discovery: {
            ...workerConfig().discovery,
            bootstrapToken: {
              token: "abcdef.0123456789abcdef",
              apiServerEndpoint: "[fd00::10]:6443",
              caCertHashes: [],
              unsafeSkipCAVerification: true
            }
          }
        })
        const checks = workerChecks(config)
        expect(checks.map((c) => c.name).slice(-3)).toEqual([
          "HTTPProxy",
          "FileContent--proc-sys-net-bridge-bridge-nf-call-ip6tables",
          "FileContent--proc-sys-net-ipv6-conf-default-forwarding"
        ])
        const machine = host.fake({
          proxyFor: (url) => (url === "https://[fd00::10]" ? Option.some("http://proxy:3128") : Option.none())
        }).layer
        const r = yield* Effect.either(
          runChecks(checks.slice(-3), ignoreSet([])).pipe(
            Effect.provide(
              Layer.mergeAll(
                rootfs.fake({ "/proc/sys/net/ipv6/conf/default/forwarding": "1\n" }).layer,
                machine,
                joinContext.layer(config, options())
              )
            )
          )
        )
        expect(Either.isLeft(r) && r.left.lines).toEqual([
          "[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-ip6tables]: /proc/sys/net/bridge/bridge-nf-call-ip6tables does not exist"
        ])
        const warned = yield* runChecks(checks.slice(-3), ignoreSet(["all"])).pipe(
          Effect.provide(Layer.mergeAll(rootfs.fake().layer, machine, joinContext.layer(config, options())))
        )
        expect(warned.warnings[0]).toBe(
          `[WARNING HTTPProxy]: Connection to "https://[fd00::10]" uses proxy "http://proxy:3128". If that is not intended, adjust your proxy settings`
        )
      })
  )
})

describe("CRI socket resolution output", () => {
  const resolve = (config: ReturnType<typeof workerConfig>, machine: Layer.Layer<Host>) =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const socket = yield* resolveCriSocket.pipe(
        Effect.provide(Layer.mergeAll(machine, joinContext.layer(config, options()), output.fake(lines)))
      )
      return { socket, lines: yield* Ref.get(lines) }
    })

  it.effect("a detected socket is told at V(1) as kubeadm's klog line", () =>
    Effect.gen(function* () {
      const found = yield* resolve(
        workerConfig(),
        host.fake({ criEndpointsPresent: Effect.succeed(["unix:///var/run/crio/crio.sock"]) }).layer
      )
      expect(found).toEqual({
        socket: "unix:///var/run/crio/crio.sock",
        lines: [{ stream: "detail", level: 1, text: "detected and using CRI socket: unix:///var/run/crio/crio.sock" }]
      })
      const none = yield* resolve(workerConfig(), host.fake({ criEndpointsPresent: Effect.succeed([]) }).layer)
      expect(none.lines.map((l) => l.text)).toEqual([
        "detected and using CRI socket: unix:///var/run/containerd/containerd.sock"
      ])
    })
  )

  it.effect("a socket given by --cri-socket / criSocket is not detected, so nothing is told", () =>
    Effect.gen(function* () {
      const base = workerConfig()
      const config = {
        ...base,
        nodeRegistration: { ...base.nodeRegistration, criSocket: "/run/containerd/containerd.sock" }
      }
      expect(yield* resolve(config, host.fake().layer)).toEqual({
        socket: "unix:///run/containerd/containerd.sock",
        lines: []
      })
    })
  )
})

describe("the CRI socket the kubelet flag and the Node annotation carry", () => {
  it("follows the cluster's version: plain detected paths before 1.24, unix:// URLs from 1.24", () => {
    const detected = "unix:///var/run/containerd/containerd.sock"
    expect(criSocketForCluster(detected, "", 15)).toBe("/var/run/containerd/containerd.sock")
    expect(criSocketForCluster(detected, "", 23)).toBe("/var/run/containerd/containerd.sock")
    expect(criSocketForCluster(detected, "", 24)).toBe(detected)
    expect(criSocketForCluster(detected, "", 33)).toBe(detected)
    // a given value: verbatim before 1.24 (either form), the normalized URL after
    expect(criSocketForCluster("unix:///run/containerd/containerd.sock", "/run/containerd/containerd.sock", 15)).toBe(
      "/run/containerd/containerd.sock"
    )
    expect(criSocketForCluster("unix:///run/crio/crio.sock", "unix:///run/crio/crio.sock", 20)).toBe(
      "unix:///run/crio/crio.sock"
    )
    expect(criSocketForCluster("unix:///run/containerd/containerd.sock", "/run/containerd/containerd.sock", 28)).toBe(
      "unix:///run/containerd/containerd.sock"
    )
  })
})

describe("Hostname check", () => {
  it.effect("a resolver that never answers gives a warning after 2s (TestClock), not a stalled join", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(runChecks([hostnameCheck("quiet-node")], ignoreSet([])))
      yield* TestClock.adjust(HOSTNAME_LOOKUP_TIMEOUT)
      const r = yield* Fiber.join(fiber)
      expect(r.warnings).toEqual([
        '[WARNING Hostname]: hostname "quiet-node" could not be reached',
        '[WARNING Hostname]: hostname "quiet-node": lookup timed out after 2s'
      ])
    }).pipe(Effect.provide(host.fake({ lookupHost: () => Effect.never }).layer))
  )
})

describe("ContainerRuntimeVersion check", () => {
  it.effect("warns, in current kubeadm's words, when the runtime does not implement RuntimeConfig", () =>
    Effect.gen(function* () {
      const r = yield* runChecks([containerRuntimeVersionCheck], ignoreSet([]))
      expect(r.warnings).toEqual([
        "[WARNING ContainerRuntimeVersion]: You must update your container runtime to a version that supports the CRI method RuntimeConfig. Falling back to using cgroupDriver from kubelet config will be removed in 1.38. For more information, see https://git.k8s.io/enhancements/keps/sig-node/4033-group-driver-detection-over-cri"
      ])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          host.fake({ criRuntimeConfigImplemented: () => Effect.succeed(false) }).layer,
          rootfs.fake().layer,
          joinContext.layer(workerConfig(), options())
        )
      )
    )
  )
})
