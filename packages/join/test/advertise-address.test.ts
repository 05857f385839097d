/**
 * `--apiserver-advertise-address` defaults to the address of the interface that
 * carries the default route (join-control-plane spec §1.4 / issue 5 item 1).
 */
import { execFileSync } from "node:child_process"
import { Effect, Either, Layer, Option } from "effect"
import { assert, describe, expect, it } from "vitest"
import type { ControlPlane } from "../src/config/model.js"
import { JoinData, parseClusterConfiguration } from "../src/discovery/join-data.js"
import * as host from "../src/host/host.js"
import { Host } from "../src/host/host.js"
import { advertiseAddress, controlPlaneConfig } from "../src/control-plane/config.js"
import { controlPlaneChecks } from "../src/control-plane/preflight.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { options, workerConfig } from "./fixtures/config.js"
import * as joinContext from "../src/join-context.js"

const controlPlane = (advertise: string, bindPort = 6443): ControlPlane => ({
  localAPIEndpoint: { advertiseAddress: advertise, bindPort },
  certificateKey: "",
  etcdLearnerMode: false
})

const context = (advertise: string, bindPort?: number) =>
  joinContext.layer(workerConfig({ controlPlane: controlPlane(advertise, bindPort) }), options())

/** JoinData that only knows the cluster's ClusterConfiguration (what controlPlaneConfig reads). */
const joinDataWith = (yaml: string) =>
  Layer.effect(
    JoinData,
    Effect.map(Effect.orDie(parseClusterConfiguration(yaml)), (cluster) => ({
      cluster: Effect.dieMessage("not used"),
      tlsBootstrapKubeconfig: Effect.dieMessage("not used"),
      bootstrapClient: Effect.dieMessage("not used"),
      clusterConfiguration: Effect.succeed(cluster)
    }))
  )

const CLUSTER = [
  "apiVersion: kubeadm.k8s.io/v1beta2",
  "kind: ClusterConfiguration",
  "kubernetesVersion: v1.15.12",
  "controlPlaneEndpoint: lb.example.com:6443",
  "networking:",
  "  serviceSubnet: 10.96.0.0/12",
  "  podSubnet: 10.244.0.0/16",
  ""
].join("\n")

describe("advertise address", () => {
  it("is the default-route interface's address when --apiserver-advertise-address is not given", async () => {
    const address = await Effect.runPromise(
      advertiseAddress.pipe(
        Effect.provide(
          Layer.merge(
            context(""),
            host.fake({ defaultRouteAddress: Effect.succeed(Option.some("192.168.7.21")) }).layer
          )
        )
      )
    )
    expect(address).toBe("192.168.7.21")
  })

  it("is the given address when the flag is set (the route is not consulted)", async () => {
    let asked = 0
    const machine = host.fake({ defaultRouteAddress: Effect.sync(() => (asked++, Option.some("192.168.7.21"))) }).layer
    const address = await Effect.runPromise(
      advertiseAddress.pipe(Effect.provide(Layer.merge(context("10.0.0.7"), machine)))
    )
    expect(address).toBe("10.0.0.7")
    expect(asked).toBe(0)
  })

  it("without a default route, fails naming the flag to set", async () => {
    const r = await Effect.runPromise(
      Effect.either(advertiseAddress).pipe(
        Effect.provide(
          Layer.merge(context(""), host.fake({ defaultRouteAddress: Effect.succeed(Option.none()) }).layer)
        )
      )
    )
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) {
      expect(r.left._tag).toBe("ControlPlaneJoinError")
      expect(r.left.message).toContain("--apiserver-advertise-address")
    }
  })

  it("flows into the merged control-plane configuration and the HTTPProxy check", async () => {
    const asked: string[] = []
    const machine = host.fake({
      defaultRouteAddress: Effect.succeed(Option.some("192.168.7.21")),
      proxyFor: (url) => (asked.push(url), Option.none())
    }).layer
    const layers = Layer.mergeAll(context(""), machine, joinDataWith(CLUSTER))
    const cfg = await Effect.runPromise(controlPlaneConfig.pipe(Effect.provide(layers)))
    expect(cfg.advertiseAddress).toBe("192.168.7.21")
    expect(cfg.bindPort).toBe(6443)
    const httpProxy = controlPlaneChecks(cfg).find((c) => c.name === "HTTPProxy")
    assert.isDefined(httpProxy)
    await Effect.runPromise(httpProxy.run.pipe(Effect.provide(Layer.merge(machine, rootfs.fake({}).layer))))
    expect(asked).toEqual(["https://192.168.7.21"])

    // a given bind port is kept next to the defaulted address
    const other = await Effect.runPromise(
      controlPlaneConfig.pipe(Effect.provide(Layer.mergeAll(context("", 7443), machine, joinDataWith(CLUSTER))))
    )
    expect([other.advertiseAddress, other.bindPort]).toEqual(["192.168.7.21", 7443])
  })

  it("the live Host finds the same default-route address as `ip route` / `ip addr` on this machine", async () => {
    // Independent oracle: iproute2's view of the IPv4 default route and its interface's address.
    const route = execFileSync("ip", ["-4", "route", "show", "default"], { encoding: "utf8" })
    const dev = /\bdev\s+(\S+)/.exec(route)?.[1]
    const addrLine =
      dev === undefined
        ? ""
        : execFileSync("ip", ["-4", "-o", "addr", "show", "dev", dev, "scope", "global"], { encoding: "utf8" })
    const expected = /\binet\s+([\d.]+)\//.exec(addrLine)?.[1]
    const found = await Effect.runPromise(
      Effect.flatMap(Host, (h) => h.defaultRouteAddress).pipe(
        Effect.provide(host.layer),
        Effect.provide(rootfs.fake({}).layer)
      )
    )
    if (expected === undefined) {
      // No IPv4 default route here: the live Host may only offer an IPv6 one.
      if (Option.isSome(found)) expect(found.value).toContain(":")
    } else {
      expect(found).toEqual(Option.some(expected))
    }
  })
})
