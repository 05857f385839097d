import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Ref } from "effect"
import { fakeCluster, KubeApi } from "../src/kube-api/index.js"
import { simpleKubeconfig } from "../src/kubeconfig/index.js"
import { refuseReadyNode } from "../src/kubelet/index.js"
import { collectingOutput, type OutputLine } from "../src/output.js"

describe("a Node with this name", () => {
  it.effect("Ready: refused; NotReady (a re-join) or absent: allowed", () =>
    Effect.gen(function* () {
      const api = fakeCluster("https://h:6443")
      api.nodes.set("ready", { metadata: { name: "ready" }, status: { conditions: [{ type: "Ready", status: "True" }] } })
      api.nodes.set("notready", { metadata: { name: "notready" }, status: { conditions: [{ type: "Ready", status: "False" }] } })
      const kubeconfig = simpleKubeconfig({ clusterName: "c", cluster: { server: "https://h:6443" }, userName: "u", user: { token: "t" }, contextName: "x" })
      const client = yield* Effect.flatMap(KubeApi, (k) => k.client(kubeconfig)).pipe(Effect.provide(api.layer))
      const out = collectingOutput(yield* Ref.make<ReadonlyArray<OutputLine>>([]))
      const check = (name: string) => Effect.either(refuseReadyNode(client, name).pipe(Effect.provide(out)))
      const ready = yield* check("ready")
      expect(Either.isLeft(ready) && ready.left._tag).toBe("ReadyNodeExistsError")
      expect(Either.isRight(yield* check("notready"))).toBe(true)
      expect(Either.isRight(yield* check("absent"))).toBe(true)
    })
  )
})
