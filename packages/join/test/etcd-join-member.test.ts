/** The member-join algorithm on the in-memory Etcd test layer (the real-etcd tests live in the testkit). */
import { Effect, Either } from "effect"
import { assert, describe, expect, it } from "vitest"
import * as etcd from "../src/etcd/etcd.js"
import { clusterHealth, Etcd, ensureMember, waitForMember, type EtcdMember } from "../src/etcd/index.js"
import {
  clusterStatusYaml,
  endpointsFromClusterStatus,
  endpointsFromEtcdPods,
  parseClusterStatus
} from "../src/etcd/endpoints.js"

const first: EtcdMember = {
  id: "11",
  name: "cp-1",
  peerURLs: ["https://10.0.0.11:2380"],
  clientURLs: ["https://10.0.0.11:2379"],
  isLearner: false
}

const withEtcd = <A, E>(autoStart: boolean, f: (h: ReturnType<typeof etcd.fake>) => Effect.Effect<A, E, Etcd>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const h = etcd.fake([first], { autoStart })
      return yield* Effect.provide(f(h), h.layer)
    })
  )

describe("ensureMember / waitForMember (in-memory etcd)", () => {
  it("adds once, reuses our (unstarted) member on a re-run, names others by hex ID in --initial-cluster", async () => {
    await withEtcd(false, () =>
      Effect.gen(function* () {
        const client = yield* Effect.flatMap(Etcd, (e) =>
          e.connect(["https://10.0.0.11:2379"], { ca: "", cert: "", key: "" })
        )
        const a = yield* ensureMember(client, "cp-2", "https://10.0.0.12:2380", { learner: false })
        const b = yield* ensureMember(client, "cp-2", "https://10.0.0.12:2380", { learner: false })
        expect(a.reused).toBe(false)
        expect(b.reused).toBe(true)
        expect(b.member.id).toBe(a.member.id)
        expect((yield* client.members).filter((m) => m.peerURLs.includes("https://10.0.0.12:2380"))).toHaveLength(1)
        // someone else's unstarted member has no name yet: kubeadm uses its hex ID
        yield* client.add("https://10.0.0.13:2380", { learner: false })
        const c = yield* ensureMember(client, "cp-2", "https://10.0.0.12:2380", { learner: false })
        expect(c.initialCluster).toEqual([
          { name: "cp-1", peerURL: "https://10.0.0.11:2380" },
          { name: "cp-2", peerURL: "https://10.0.0.12:2380" },
          { name: (1001).toString(16), peerURL: "https://10.0.0.13:2380" }
        ])
      })
    )
  })

  it("waits until the member has started, then promotes a learner", async () => {
    await withEtcd(false, (h) =>
      Effect.gen(function* () {
        const client = yield* Effect.flatMap(Etcd, (e) => e.connect([], { ca: "", cert: "", key: "" }))
        yield* ensureMember(client, "cp-2", "https://10.0.0.12:2380", { learner: true })
        // the "kubelet" starts etcd a little later
        yield* Effect.fork(Effect.delay(h.start("https://10.0.0.12:2380", "cp-2"), "300 millis"))
        const m = yield* waitForMember(client, "https://10.0.0.12:2380", { learner: true, timeout: "10 seconds" })
        expect(m).toMatchObject({ name: "cp-2", isLearner: false })
      })
    )
  })

  it("gives up with kubeadm's timeout message when the member never starts", async () => {
    const r = await withEtcd(false, () =>
      Effect.gen(function* () {
        const client = yield* Effect.flatMap(Etcd, (e) => e.connect([], { ca: "", cert: "", key: "" }))
        yield* ensureMember(client, "cp-2", "https://10.0.0.12:2380", { learner: false })
        return yield* Effect.either(
          waitForMember(client, "https://10.0.0.12:2380", { learner: false, timeout: "500 millis" })
        )
      })
    )
    expect(r._tag === "Left" && r.left.message).toMatch(
      /^timeout waiting for etcd cluster to be available \(waited 500ms; last: the new etcd member https:\/\/10\.0\.0\.12:2380 has not started\)$/
    )
  })
})

describe("etcd endpoints", () => {
  it("from ClusterStatus v1beta1/v1beta2 and from etcd Pod annotations; ClusterStatus round-trips", () => {
    const text =
      "apiEndpoints:\n  cp-1:\n    advertiseAddress: 10.0.0.11\n    bindPort: 6443\n  cp-0:\n    advertiseAddress: fd00::10\n    bindPort: 6443\napiVersion: kubeadm.k8s.io/v1beta1\nkind: ClusterStatus\n"
    const status = Either.getOrThrow(parseClusterStatus(text))
    assert.isDefined(status)
    expect(endpointsFromClusterStatus(status)).toEqual(["https://[fd00::10]:2379", "https://10.0.0.11:2379"])
    expect(Either.getOrThrow(parseClusterStatus(clusterStatusYaml(status)))).toEqual(status)
    const unsupported = parseClusterStatus("apiVersion: kubeadm.k8s.io/v1beta9\nkind: ClusterStatus\n")
    expect(Either.isLeft(unsupported) && unsupported.left.message).toMatch(/unsupported ClusterStatus apiVersion/)
    expect(
      endpointsFromEtcdPods([
        { metadata: { annotations: { "kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://10.0.0.11:2379" } } },
        {
          metadata: {
            annotations: {
              "kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://10.0.0.12:2379,https://10.0.0.11:2379"
            }
          }
        },
        { metadata: {} }
      ])
    ).toEqual(["https://10.0.0.11:2379", "https://10.0.0.12:2379"])
  })
})

describe("clusterHealth", () => {
  it("dials started members only; an unreachable started member is unhealthy", async () => {
    const r = await withEtcd(false, (h) =>
      Effect.gen(function* () {
        const client = yield* Effect.flatMap(Etcd, (e) => e.connect([], { ca: "", cert: "", key: "" }))
        yield* client.add("https://10.0.0.12:2380", { learner: false })
        const ok = yield* clusterHealth(client, { requireLeader: true })
        // a started member whose process went down
        yield* h.start("https://10.0.0.12:2380", "cp-2")
        yield* h.stop("https://10.0.0.12:2380")
        const bad = yield* Effect.either(clusterHealth(client))
        return { ok, bad }
      })
    )
    expect(r.ok).toHaveLength(2)
    expect(r.bad._tag === "Left" && r.bad.left.message).toBe(
      "failed to dial endpoint https://10.0.0.12:2379: https://10.0.0.12:2379: connection refused"
    )
  })
})
