/**
 * "A Ready Node with this name exists" (kubeadm ≥ 1.18): joining would hijack a
 * live node's name. A NotReady node of that name is allowed, to permit re-joins.
 */
import { Data, Effect } from "effect"
import type { KubeApiError, KubeClient } from "../kube-api/kube-api.js"
import { Output } from "../output.js"

export class ReadyNodeExistsError extends Data.TaggedError("ReadyNodeExistsError")<{ readonly name: string }> {
  override get message() {
    return `a Node with name "${this.name}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`
  }
}

export class NodeLookupError extends Data.TaggedError("NodeLookupError")<{ readonly name: string; readonly cause: KubeApiError }> {
  override get message() {
    return `cannot get Node "${this.name}": ${this.cause.message}`
  }
}

export const refuseReadyNode = (client: KubeClient, name: string) =>
  Effect.gen(function* () {
    const out = yield* Output
    const node = yield* client.getNode(name).pipe(
      Effect.map((n) => n as typeof n | undefined),
      Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeed(undefined)),
      // Clusters set up before kubeadm 1.18 do not let bootstrap tokens read Nodes: say so, go on.
      Effect.catchIf(
        (e) => e.reason === "Forbidden",
        (e) => Effect.as(out.detail(1, `[preflight] cannot check for an existing Node "${name}": ${e.detail}`), undefined)
      ),
      Effect.mapError((cause) => new NodeLookupError({ name, cause }))
    )
    if (node === undefined) return
    const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false
    if (ready) return yield* Effect.fail(new ReadyNodeExistsError({ name }))
    yield* out.detail(1, `[preflight] a Node "${name}" exists but is not Ready: re-joining it`)
  })
