import { Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { httpProxyCheck } from "../src/host/checks.js"
import { httpProxyCidrCheck } from "../src/control-plane/preflight.js"
import * as host from "../src/host/host.js"
import { proxyForUrl } from "../src/internal/host/proxy.js"
import * as rootfs from "../src/rootfs/rootfs.js"

const PROXY = "http://proxy.example:3128"
const via = (url: string, noProxy: string, extra: Record<string, string> = {}) =>
  proxyForUrl(url, { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY, NO_PROXY: noProxy, ...extra })

describe("proxyForUrl (Go httpproxy rules)", () => {
  it("NO_PROXY CIDR ranges exempt the addresses inside them, IPv4 and IPv6", () => {
    expect(via("https://10.96.0.1/", "10.96.0.0/12")).toEqual(Option.none())
    expect(via("https://10.111.255.254/", "example.com, 10.96.0.0/12")).toEqual(Option.none())
    expect(via("https://10.112.0.1/", "10.96.0.0/12")).toEqual(Option.some(PROXY))
    expect(via("https://[fd00:10:96::1]:1234/", "fd00:10:96::/112")).toEqual(Option.none())
    expect(via("https://[fd00:10:97::1]:1234/", "fd00:10:96::/112")).toEqual(Option.some(PROXY))
    // a v4 range does not cover v6 addresses and the other way round
    expect(via("https://[fd00::1]/", "10.0.0.0/8")).toEqual(Option.some(PROXY))
    // a non-canonical network address is masked like Go's ParseCIDR does
    expect(via("https://192.168.7.9/", "192.168.1.1/16")).toEqual(Option.none())
  })

  it("exact IPs (with an optional port), domains and their subdomains, `*`", () => {
    expect(via("https://192.168.0.10:6443", "192.168.0.10")).toEqual(Option.none())
    expect(via("https://192.168.0.10:6443", "192.168.0.10:6443")).toEqual(Option.none())
    expect(via("https://192.168.0.10:6443", "192.168.0.10:443")).toEqual(Option.some(PROXY))
    expect(via("https://[fd00::10]/", "[fd00::10]:443")).toEqual(Option.none())
    expect(via("https://[fd00::10]/", "fd00:0:0::10")).toEqual(Option.none())
    expect(via("https://api.cluster.local:6443", "cluster.local")).toEqual(Option.none())
    expect(via("https://cluster.local:6443", "cluster.local")).toEqual(Option.none())
    expect(via("https://cluster.local:6443", ".cluster.local")).toEqual(Option.some(PROXY))
    expect(via("https://api.cluster.local:6443", "*.cluster.local")).toEqual(Option.none())
    expect(via("https://notcluster.local:6443", "cluster.local")).toEqual(Option.some(PROXY))
    expect(via("https://API.Cluster.Local:6443", " CLUSTER.local ")).toEqual(Option.none())
    expect(via("https://anything:6443", "*")).toEqual(Option.none())
  })

  it("picks the proxy by scheme, lowercase names too; empty values count as unset; loopback never proxied", () => {
    expect(proxyForUrl("https://10.0.0.1/", { HTTP_PROXY: PROXY })).toEqual(Option.none())
    expect(proxyForUrl("https://10.0.0.1/", { https_proxy: PROXY })).toEqual(Option.some(PROXY))
    expect(proxyForUrl("https://10.0.0.1/", { HTTPS_PROXY: PROXY, NO_PROXY: "", no_proxy: "10.0.0.1" })).toEqual(
      Option.none()
    )
    expect(proxyForUrl("https://10.0.0.1/", { HTTPS_PROXY: "proxy:3128" })).toEqual(Option.some("http://proxy:3128"))
    expect(via("https://127.0.1.5:6443", "")).toEqual(Option.none())
    expect(via("https://localhost:6443", "")).toEqual(Option.none())
    expect(via("https://[::1]:6443", "")).toEqual(Option.none())
  })
})

describe("HTTPProxy / HTTPProxyCIDR with the live Host", () => {
  const saved = { ...process.env }
  afterEach(() => {
    for (const k of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]) {
      if (saved[k] === undefined) Reflect.deleteProperty(process.env, k)
      else process.env[k] = saved[k]
    }
  })
  const run = <A>(e: Effect.Effect<A, never, import("../src/host/host.js").Host>) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-test-"))
    return Effect.runPromise(Effect.provide(e, host.layer.pipe(Layer.provide(rootfs.layer(root)))))
  }
  const proxyEnv = (noProxy: string) => {
    for (const k of ["https_proxy", "http_proxy", "no_proxy"]) Reflect.deleteProperty(process.env, k)
    process.env["HTTPS_PROXY"] = PROXY
    process.env["HTTP_PROXY"] = PROXY
    process.env["NO_PROXY"] = noProxy
  }

  it("no warning when NO_PROXY covers the service/pod subnet or the API server by CIDR", async () => {
    proxyEnv("10.96.0.0/12,10.244.0.0/16,192.168.0.0/24")
    expect(await run(httpProxyCidrCheck("10.96.0.0/12").run)).toEqual({ warnings: [], errors: [] })
    expect(await run(httpProxyCidrCheck("10.244.0.0/16").run)).toEqual({ warnings: [], errors: [] })
    expect(await run(httpProxyCheck("192.168.0.10:6443").run)).toEqual({ warnings: [], errors: [] })
  })

  it("still warns for a subnet NO_PROXY does not cover", async () => {
    proxyEnv("10.96.0.0/12")
    const out = await run(httpProxyCidrCheck("10.244.0.0/16").run)
    expect(out.errors).toEqual([])
    expect(out.warnings).toEqual([
      `connection to "10.244.0.0/16" uses proxy "${PROXY}". This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration`
    ])
  })
})
