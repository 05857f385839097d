/** Reading ClusterStatus from kubeadm-config: missing, empty or junk documents are typed errors, not crashes. */
import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import type { ConfigMap, KubeClient } from "../src/kube-api/kube-api.js"
import type { ControlPlaneConfig } from "../src/manifests/control-plane-config.js"
import { addApiEndpoint } from "../src/phases/control-plane-join-update-status.js"
import { readClusterStatus } from "../src/control-plane/cluster-status.js"
import { ControlPlaneJoinError } from "../src/control-plane/errors.js"
import { etcdEndpoints } from "../src/control-plane/etcd-client.js"

const stubClient = (over: Partial<KubeClient>): KubeClient =>
  new Proxy(over, {
    get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : () => Effect.die(`${String(p)} not used`))
  }) as KubeClient

const configMap = (data: Record<string, string>): ConfigMap => ({
  metadata: { name: "kubeadm-config", namespace: "kube-system", resourceVersion: "1" },
  data
})
const cfg = { nodeName: "cp-2", advertiseAddress: "127.0.1.2", bindPort: 6443 } as ControlPlaneConfig
const status =
  "apiEndpoints:\n  cp-1:\n    advertiseAddress: 127.0.1.1\n    bindPort: 6443\napiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterStatus\n"

/** The typed failure, or a test failure naming the defect/success it got instead. */
const failure = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const f = Cause.failureOption(exit.cause)
  if (f._tag === "None") throw new Error(`expected a typed failure, got: ${Cause.pretty(exit.cause)}`)
  return f.value
}

describe("readClusterStatus", () => {
  it("decodes the document", async () => {
    const s = await Effect.runPromise(readClusterStatus({ ClusterStatus: status }))
    expect(s.apiEndpoints).toEqual({ "cp-1": { advertiseAddress: "127.0.1.1", bindPort: 6443 } })
  })
  for (const [what, data] of [
    ["missing", {}],
    ["empty", { ClusterStatus: "" }],
    ["blank", { ClusterStatus: "  \n" }]
  ] as const) {
    it(`${what}: kubeadm's 'key value pair missing' error`, async () => {
      const e = await failure(readClusterStatus(data))
      expect(e).toBeInstanceOf(ControlPlaneJoinError)
      expect(e.message).toBe(
        "unexpected error when reading kubeadm-config ConfigMap: ClusterStatus key value pair missing"
      )
    })
  }
  it("junk: one line naming the problem", async () => {
    const e = await failure(readClusterStatus({ ClusterStatus: "apiVersion: kubeadm.k8s.io/v1beta2\n  bad: [\n" }))
    expect(e.message).toMatch(/^unexpected error when reading kubeadm-config ConfigMap: /)
    expect(e.message).not.toContain("\n")
  })
})

describe("update-status with an empty ClusterStatus", () => {
  it("fails with a typed error instead of crashing (no update sent)", async () => {
    let updates = 0
    const client = stubClient({
      getConfigMap: () => Effect.succeed(configMap({ ClusterStatus: "", ClusterConfiguration: "x" })),
      updateConfigMap: (cm) => {
        updates++
        return Effect.succeed(cm)
      }
    })
    const e = await failure(addApiEndpoint(client, cfg))
    expect(e).toBeInstanceOf(ControlPlaneJoinError)
    expect(e.message).toBe(
      "error uploading configuration: unexpected error when reading kubeadm-config ConfigMap: ClusterStatus key value pair missing"
    )
    expect(updates).toBe(0)
  })
  it("adds this node's endpoint to a valid one", async () => {
    const sent: ConfigMap[] = []
    const client = stubClient({
      getConfigMap: () => Effect.succeed(configMap({ ClusterStatus: status })),
      updateConfigMap: (cm) => {
        sent.push(cm)
        return Effect.succeed(cm)
      }
    })
    await Effect.runPromise(addApiEndpoint(client, cfg))
    expect(sent[0]?.data["ClusterStatus"]).toContain("cp-2:\n    advertiseAddress: 127.0.1.2")
  })
})

describe("etcdEndpoints reads ClusterStatus through the same reader", () => {
  const pods = [
    {
      metadata: {
        name: "etcd-cp-1",
        annotations: { "kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://127.0.1.1:2379" }
      }
    }
  ]
  it("an empty ClusterStatus falls back to the etcd Pods' annotation", async () => {
    const client = stubClient({
      getConfigMap: () => Effect.succeed(configMap({ ClusterStatus: "" })),
      listPods: () => Effect.succeed(pods)
    })
    expect(await Effect.runPromise(etcdEndpoints(client))).toEqual(["https://127.0.1.1:2379"])
  })
  it("ClusterStatus entries give the endpoints; junk is a typed error", async () => {
    const ok = stubClient({ getConfigMap: () => Effect.succeed(configMap({ ClusterStatus: status })) })
    expect(await Effect.runPromise(etcdEndpoints(ok))).toEqual(["https://127.0.1.1:2379"])
    const junk = stubClient({
      getConfigMap: () => Effect.succeed(configMap({ ClusterStatus: "apiVersion: kubeadm.k8s.io/v9\n" }))
    })
    expect((await failure(etcdEndpoints(junk))).message).toBe(
      'unexpected error when reading kubeadm-config ConfigMap: unsupported ClusterStatus apiVersion "kubeadm.k8s.io/v9"'
    )
  })
})
