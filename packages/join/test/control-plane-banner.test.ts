import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ClusterDataError, JoinData, parseClusterConfiguration } from "../src/discovery/join-data.js"
import { controlPlaneBanner, controlPlaneBannerText } from "../src/control-plane/banner.js"

const ETCD_LINE = "* A new etcd member was added to the local/stacked etcd cluster."
const MASTER_LINE = "* Control plane (master) label and taint were applied to the new node."
const CURRENT_LINE = "* Control plane label and taint were applied to the new node."

/** JoinData whose ClusterConfiguration is `raw`; counts how often it is asked for. */
const joinDataWith = (raw: string | undefined, asked: { n: number }) =>
  Layer.succeed(JoinData, {
    clusterConfiguration: Effect.suspend(() => {
      asked.n++
      return raw === undefined
        ? Effect.fail(new ClusterDataError({ reason: "ClusterConfiguration", detail: "unreachable" }))
        : parseClusterConfiguration(raw)
    }),
    cluster: Effect.die("unused"),
    tlsBootstrapKubeconfig: Effect.die("unused"),
    bootstrapClient: Effect.die("unused")
  } as never)

const bannerFor = (raw: string | undefined) =>
  Effect.gen(function* () {
    const asked = { n: 0 }
    const text = yield* controlPlaneBanner.pipe(Effect.provide(joinDataWith(raw, asked)))
    expect(asked.n).toBe(1)
    return text.split("\n")
  })

describe("the control-plane join banner", () => {
  it("text: '(master)' up to 1.19, the plain wording from 1.20; the etcd line only with stacked etcd", () => {
    const lines = (o: { kubernetesMinor: number; localEtcd: boolean }) => controlPlaneBannerText(o).split("\n")
    expect(lines({ kubernetesMinor: 19, localEtcd: true })).toContain(MASTER_LINE)
    expect(lines({ kubernetesMinor: 20, localEtcd: true })).toContain(CURRENT_LINE)
    const external = lines({ kubernetesMinor: 28, localEtcd: false })
    expect(external).not.toContain(ETCD_LINE)
    // the etcd line is replaced by an empty line: same line count, an empty line after "scaled up"
    expect(external).toHaveLength(lines({ kubernetesMinor: 28, localEtcd: true }).length)
    expect(external[external.indexOf("* The Kubernetes control plane instances scaled up.") + 1]).toBe("")
  })

  it.effect("chosen from the ClusterConfiguration the join read: v1.15 stacked etcd", () =>
    Effect.gen(function* () {
      const lines = yield* bannerFor(
        "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\nkubernetesVersion: v1.15.12\netcd:\n  local:\n    dataDir: /var/lib/etcd\n"
      )
      expect(lines).toContain(MASTER_LINE)
      expect(lines).toContain(ETCD_LINE)
    })
  )

  it.effect("chosen from the ClusterConfiguration the join read: v1.28 external etcd", () =>
    Effect.gen(function* () {
      const lines = yield* bannerFor(
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.28.4\netcd:\n  external:\n    endpoints: [https://10.0.0.9:2379]\n    caFile: /etc/etcd/ca.crt\n"
      )
      expect(lines).toContain(CURRENT_LINE)
      expect(lines).not.toContain(MASTER_LINE)
      expect(lines).not.toContain(ETCD_LINE)
    })
  )

  it.effect("without the ClusterConfiguration: the 1.15 wording with the etcd line", () =>
    Effect.gen(function* () {
      const lines = yield* bannerFor(undefined)
      expect(lines).toContain(MASTER_LINE)
      expect(lines).toContain(ETCD_LINE)
    })
  )
})
