import { Effect, Layer, Ref } from "effect"
import { describe, expect, it } from "vitest"
import { KubeApiError, type KubeClient, type Node } from "../src/kube-api/kube-api.js"
import { type OutputLine } from "../src/output.js"
import { controlPlaneLabels, markNode } from "../src/phases/control-plane-join-mark-control-plane.js"
import * as output from "../src/output.js"

const stubClient = (over: Partial<KubeClient>): KubeClient =>
  new Proxy(over, {
    get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : () => Effect.die(`${String(p)} not used`))
  }) as KubeClient

const apiError = (status: number, reason: "NotFound" | "Conflict") =>
  new KubeApiError({ op: "x", server: "https://127.0.1.1:6443", status, reason, detail: reason })

describe("mark-control-plane", () => {
  it("labels by the cluster's version", () => {
    expect(controlPlaneLabels(15)).toEqual(["node-role.kubernetes.io/master"])
    expect(controlPlaneLabels(20)).toEqual(["node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane"])
    expect(controlPlaneLabels(28)).toEqual([
      "node-role.kubernetes.io/control-plane",
      "node.kubernetes.io/exclude-from-external-load-balancers"
    ])
  })

  it("waits for the registered Node, retries a 409, keeps existing taints and sends the whole list", async () => {
    let gets = 0
    let conflicts = 1
    const patches: unknown[] = []
    const node = (labels: Record<string, string>): Node => ({
      metadata: { name: "cp-2", labels },
      spec: { taints: [{ key: "example.com/dedicated", value: "db", effect: "NoExecute" }] }
    })
    const client = stubClient({
      // not there yet, then registered without its hostname label, then ready
      getNode: () => {
        gets++
        return gets === 1
          ? Effect.fail(apiError(404, "NotFound"))
          : Effect.succeed(node(gets === 2 ? {} : { "kubernetes.io/hostname": "cp-2" }))
      },
      patchNode: (_name, patch) => {
        patches.push(patch)
        return conflicts-- > 0 ? Effect.fail(apiError(409, "Conflict")) : Effect.succeed(node({}))
      }
    })
    const lines = Ref.unsafeMake<ReadonlyArray<OutputLine>>([])
    await Effect.runPromise(
      markNode(
        client,
        "cp-2",
        ["node-role.kubernetes.io/master"],
        [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }],
        "20 seconds"
      ).pipe(Effect.provide(Layer.mergeAll(output.fake(lines))))
    )
    expect(gets).toBe(4)
    expect(patches).toHaveLength(2)
    expect(patches[1]).toEqual({
      metadata: { labels: { "node-role.kubernetes.io/master": "" } },
      spec: {
        taints: [
          { key: "node-role.kubernetes.io/master", effect: "NoSchedule" },
          { key: "example.com/dedicated", value: "db", effect: "NoExecute" }
        ]
      }
    })
    expect(Effect.runSync(Ref.get(lines)).map((l) => l.text)).toContain(
      "Temporarily unable to update node metadata due to conflict (will retry)"
    )
  })

  it("times out with kubeadm's wording when the Node never registers", async () => {
    const client = stubClient({ getNode: () => Effect.fail(apiError(404, "NotFound")) })
    const lines = Ref.unsafeMake<ReadonlyArray<OutputLine>>([])
    const r = await Effect.runPromise(
      Effect.either(markNode(client, "cp-2", [], [], "1200 millis").pipe(Effect.provide(output.fake(lines))))
    )
    expect(r._tag === "Left" && r.left.message).toMatch(
      /^error applying control-plane label and taints: timed out waiting for the condition/
    )
  })
})
