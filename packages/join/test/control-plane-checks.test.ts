import { createServer } from "node:net"
import { ignoreSet, runChecks } from "@kubeadm-ts/workflow"
import { Effect, Layer, Option } from "effect"
import { assert, describe, expect, it } from "vitest"
import * as host from "../src/host/host.js"
import type { HostService } from "../src/host/host.js"
import {
  controlPlaneChecks,
  firewalldCheck,
  gateError,
  httpProxyCidrCheck,
  KUBEADM_TS_KUBERNETES_VERSION,
  kubernetesVersionCheck,
  NO_ENDPOINT,
  numCpu,
  portFree
} from "../src/control-plane/preflight.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"

const withHost =
  (over: Parameters<typeof host.fake>[0]) =>
  <A>(e: Effect.Effect<A, never, import("../src/host/host.js").Host>) =>
    Effect.runPromise(Effect.provide(e, host.fake(over).layer))

describe("control-plane preflight", () => {
  it("has kubeadm's extra checks, in order (local etcd; external etcd without a key)", () => {
    expect(controlPlaneChecks(sampleConfig()).map((c) => c.name)).toEqual([
      "NumCPU",
      "KubernetesVersion",
      "Firewalld",
      "Port-6443",
      "Port-10259",
      "Port-10257",
      "FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml",
      "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
      "FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml",
      "FileAvailable--etc-kubernetes-manifests-etcd.yaml",
      "HTTPProxy",
      "HTTPProxyCIDR",
      "HTTPProxyCIDR",
      "Port-2379",
      "Port-2380",
      "DirAvailable--var-lib-etcd"
    ])
    // dual-stack subnets: one HTTPProxyCIDR per subnet, services before pods, before the etcd checks
    const dual = sampleConfig({
      networking: {
        serviceSubnet: "10.96.0.0/12,fd00:10:96::/112",
        podSubnet: "10.244.0.0/16,fd00:10:244::/56",
        dnsDomain: "cluster.local"
      }
    })
    const dualNames = controlPlaneChecks(dual).map((c) => c.name)
    expect(dualNames.slice(dualNames.indexOf("HTTPProxy"))).toEqual([
      "HTTPProxy",
      "HTTPProxyCIDR",
      "HTTPProxyCIDR",
      "HTTPProxyCIDR",
      "HTTPProxyCIDR",
      "Port-2379",
      "Port-2380",
      "DirAvailable--var-lib-etcd"
    ])
    const external = sampleConfig({
      bindPort: 7443,
      etcd: {
        external: {
          endpoints: ["https://10.0.0.5:2379"],
          caFile: "/etc/etcd/ca.crt",
          certFile: "/etc/etcd/c.crt",
          keyFile: "/etc/etcd/c.key"
        }
      }
    })
    const names = controlPlaneChecks(external, { certificateKey: false }).map((c) => c.name)
    expect(names).toContain("Port-7443")
    expect(names).toContain("ExternalEtcdClientCertificates")
    expect(names).not.toContain("Port-2379")
  })

  it("NumCPU and a busy port on the advertise address fail; a free one passes", async () => {
    expect(
      Effect.runSync(numCpu.run.pipe(Effect.provide(host.layerTest({ cpuCount: Effect.succeed(1) })))).errors
    ).toEqual(["the number of available CPUs 1 is less than the required 2"])
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, "127.0.1.77", () => r()))
    const port = (server.address() as { port: number }).port
    try {
      const live = host.layer.pipe(Layer.provide(rootfs.fake({}).layer))
      expect((await Effect.runPromise(portFree("127.0.1.77", port).run.pipe(Effect.provide(live)))).errors).toEqual([
        `Port ${port} is in use`
      ])
      expect((await Effect.runPromise(portFree("127.0.1.78", port).run.pipe(Effect.provide(live)))).errors).toEqual([])
    } finally {
      server.close()
    }
  })

  it("the gate message is kubeadm's block with a clear reason", () => {
    const msg = gateError(NO_ENDPOINT).message
    expect(msg).toContain("One or more conditions for hosting a new control plane instance is not satisfied.")
    expect(msg).toContain("doesn't have a stable controlPlaneEndpoint address")
    expect(msg).toMatch(
      /Please ensure that:\n\* The cluster has a stable controlPlaneEndpoint address\.\n\* The certificates that must be shared among control plane instances are provided\./
    )
  })

  it("KubernetesVersion warns only for a cluster past the minor this tool tracks, with kubeadm's text", async () => {
    const run = (v: string, tool?: { major: number; minor: number }) =>
      Effect.runSync(kubernetesVersionCheck(v, tool).run)
    const { major, minor } = KUBEADM_TS_KUBERNETES_VERSION
    for (const v of [
      "v1.13.0",
      "v1.15.12",
      `v${major}.${minor}.0`,
      `v${major}.${minor}.99`,
      `${major}.${minor}.3-rc.1`
    ]) {
      expect(run(v), v).toEqual({ warnings: [], errors: [] })
    }
    expect(run(`v${major}.${minor + 1}.0`).warnings).toEqual([
      `Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: ${major}.${minor + 1}.0. Kubeadm version: ${major}.${minor}.x`
    ])
    // pre-releases of the next minor count (kubeadm compares against <minor+1>.0-0)
    expect(run(`v${major}.${minor + 1}.0-alpha.1`).warnings).toEqual([
      `Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: ${major}.${minor + 1}.0-alpha.1. Kubeadm version: ${major}.${minor}.x`
    ])
    expect(run("v2.0.0").warnings).toHaveLength(1)
    // the rule against a 1.15 kubeadm, as the v1.15 reference would print it
    expect(run("v1.16.2", { major: 1, minor: 15 })).toEqual({
      warnings: [
        "Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: 1.16.2. Kubeadm version: 1.15.x"
      ],
      errors: []
    })
    expect(run("v1.15.12", { major: 1, minor: 15 })).toEqual({ warnings: [], errors: [] })
    expect(run("v1.15", { major: 1, minor: 15 }).errors).toEqual([
      'couldn\'t parse Kubernetes version "v1.15": could not parse "v1.15" as version'
    ])
    // the list carries the cluster's version into the check
    const listed = controlPlaneChecks(sampleConfig({ kubernetesVersion: `v${major}.${minor + 2}.1` })).find(
      (c) => c.name === "KubernetesVersion"
    )
    assert.isDefined(listed)
    const listedOutcome = await Effect.runPromise(
      listed.run.pipe(Effect.provide(Layer.merge(host.fake().layer, rootfs.fake({}).layer)))
    )
    expect(listedOutcome.warnings[0]).toContain(`Kubernetes version: ${major}.${minor + 2}.1.`)
  })

  describe("Firewalld", () => {
    const ACTIVE =
      "firewalld is active, please ensure ports [6443 10250] are open or your cluster may not function correctly"
    /** A host whose init-system tool answers from a table; records every command. */
    const scripted = (
      init: "systemd" | "openrc",
      answers: Record<string, { stdout: string; exitCode?: number; stderr?: string }>
    ) => {
      const calls: string[] = []
      const over: Partial<HostService> & { binaries: string[] } = {
        binaries: ["systemctl", "rc-service"],
        initSystem: Effect.succeed(init),
        run: (path, args) =>
          Effect.sync(() => {
            const cmd = [path, ...args].join(" ")
            calls.push(cmd)
            const a = answers[cmd] ?? { stdout: "" }
            return { stdout: a.stdout, stderr: a.stderr ?? "", exitCode: a.exitCode ?? 0 }
          })
      }
      return { calls, over }
    }
    const outcome = (over: Parameters<typeof host.fake>[0], ports = [6443, 10250]) =>
      withHost(over)(firewalldCheck(ports).run)

    it("passes without an init system (nothing runs)", async () => {
      const calls: string[] = []
      const r = await outcome({
        initSystem: Effect.succeed("none"),
        run: (p) => Effect.sync(() => (calls.push(p), { stdout: "active", stderr: "", exitCode: 0 }))
      })
      expect(r).toEqual({ warnings: [], errors: [] })
      expect(calls).toEqual([])
    })

    it("systemd: active or activating warns with the bind port and 10250; inactive or missing passes", async () => {
      const active = scripted("systemd", { "/usr/bin/systemctl is-active firewalld": { stdout: "active\n" } })
      expect(await outcome(active.over)).toEqual({ warnings: [ACTIVE], errors: [] })
      expect(active.calls).toEqual(["/usr/bin/systemctl status firewalld", "/usr/bin/systemctl is-active firewalld"])

      // is-active exits 3 while activating: the output decides
      const activating = scripted("systemd", {
        "/usr/bin/systemctl is-active firewalld": { stdout: "activating\n", exitCode: 3 }
      })
      expect((await outcome(activating.over, [7443, 10250])).warnings).toEqual([
        "firewalld is active, please ensure ports [7443 10250] are open or your cluster may not function correctly"
      ])

      const inactive = scripted("systemd", {
        "/usr/bin/systemctl is-active firewalld": { stdout: "inactive\n", exitCode: 3 }
      })
      expect(await outcome(inactive.over)).toEqual({ warnings: [], errors: [] })

      const missing = scripted("systemd", {
        "/usr/bin/systemctl status firewalld": {
          stdout: "○ firewalld.service\n     Loaded: not-found (Reason: Unit firewalld.service not found.)\n",
          exitCode: 4
        },
        "/usr/bin/systemctl is-active firewalld": { stdout: "active\n" }
      })
      expect(await outcome(missing.over)).toEqual({ warnings: [], errors: [] })
      expect(missing.calls).toEqual(["/usr/bin/systemctl status firewalld"])
    })

    it("openrc: started warns; stopped or unknown service passes", async () => {
      const started = scripted("openrc", { "/usr/bin/rc-service firewalld status": { stdout: " * status: started\n" } })
      expect(await outcome(started.over)).toEqual({ warnings: [ACTIVE], errors: [] })
      expect(started.calls).toEqual(["/usr/bin/rc-service firewalld status"])
      const stopped = scripted("openrc", {
        "/usr/bin/rc-service firewalld status": { stdout: " * status: stopped\n", exitCode: 3 }
      })
      expect(await outcome(stopped.over)).toEqual({ warnings: [], errors: [] })
      const unknown = scripted("openrc", {
        "/usr/bin/rc-service firewalld status": {
          stdout: "",
          stderr: " * rc-service: service `firewalld' does not exist\n",
          exitCode: 1
        }
      })
      expect(await outcome(unknown.over)).toEqual({ warnings: [], errors: [] })
    })
  })

  describe("HTTPProxyCIDR", () => {
    const PROXY = "http://proxy.example:3128"
    const asked: string[] = []
    const proxied = { proxyFor: (url: string) => (asked.push(url), Option.some(PROXY)) }
    const warning = (cidr: string) =>
      `connection to "${cidr}" uses proxy "${PROXY}". This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration`

    it("asks about the first address of the subnet and warns when it is proxied", async () => {
      asked.length = 0
      expect(await withHost(proxied)(httpProxyCidrCheck("10.96.0.0/12").run)).toEqual({
        warnings: [warning("10.96.0.0/12")],
        errors: []
      })
      expect(await withHost(proxied)(httpProxyCidrCheck("fd00:10:96::/112").run)).toEqual({
        warnings: [warning("fd00:10:96::/112")],
        errors: []
      })
      // a host address inside the subnet still tests network + 1
      await withHost(proxied)(httpProxyCidrCheck("10.244.3.7/16").run)
      expect(asked).toEqual(["https://10.96.0.1/", "https://[fd00:10:96::1]:1234/", "https://10.244.0.1/"])
    })

    it("passes when the subnet is not proxied or empty; a bad or too small subnet is an error", async () => {
      asked.length = 0
      expect(await withHost({ proxyFor: () => Option.none() })(httpProxyCidrCheck("10.96.0.0/12").run)).toEqual({
        warnings: [],
        errors: []
      })
      expect(await withHost(proxied)(httpProxyCidrCheck("").run)).toEqual({ warnings: [], errors: [] })
      expect(asked).toEqual([])
      expect((await withHost(proxied)(httpProxyCidrCheck("10.96.0.0/33").run)).errors).toEqual([
        'error parsing CIDR "10.96.0.0/33": invalid CIDR address: 10.96.0.0/33'
      ])
      expect((await withHost(proxied)(httpProxyCidrCheck("not-a-cidr").run)).errors).toEqual([
        'error parsing CIDR "not-a-cidr": invalid CIDR address: not-a-cidr'
      ])
      expect((await withHost(proxied)(httpProxyCidrCheck("10.0.0.1/32").run)).errors).toEqual([
        'unable to get first IP address from the given CIDR (10.0.0.1/32): can\'t generate IP with index 1 from subnet. subnet too small. subnet: "10.0.0.1/32"'
      ])
    })
  })

  it("through runChecks: the new warnings in kubeadm's order and format, nothing fatal", async () => {
    // external etcd keeps the real port checks off 2379/2380; ports are probed on a private loopback address
    const cfg = sampleConfig({
      advertiseAddress: "127.0.1.91",
      kubernetesVersion: `v1.${KUBEADM_TS_KUBERNETES_VERSION.minor + 1}.0`,
      etcd: { external: { endpoints: ["https://10.0.0.5:2379"], caFile: "", certFile: "", keyFile: "" } }
    })
    const machine = host.fake({
      binaries: ["systemctl"],
      initSystem: Effect.succeed("systemd"),
      run: (_p, args) => Effect.succeed({ stdout: args[0] === "is-active" ? "active\n" : "", stderr: "", exitCode: 0 }),
      proxyFor: (url) => (url.startsWith("https://10.") ? Option.some("http://proxy:8080") : Option.none())
    }).layer
    const r = await Effect.runPromise(
      runChecks(controlPlaneChecks(cfg), ignoreSet([])).pipe(
        Effect.provide(Layer.merge(machine, rootfs.fake({}).layer))
      )
    )
    expect(r.warnings).toEqual([
      `[WARNING KubernetesVersion]: Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: 1.${KUBEADM_TS_KUBERNETES_VERSION.minor + 1}.0. Kubeadm version: 1.${KUBEADM_TS_KUBERNETES_VERSION.minor}.x`,
      "[WARNING Firewalld]: firewalld is active, please ensure ports [6443 10250] are open or your cluster may not function correctly",
      '[WARNING HTTPProxyCIDR]: connection to "10.96.0.0/12" uses proxy "http://proxy:8080". This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration',
      '[WARNING HTTPProxyCIDR]: connection to "10.244.0.0/16" uses proxy "http://proxy:8080". This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration'
    ])
  })
})
