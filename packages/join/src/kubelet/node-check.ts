/**
 * "A Ready Node with this name exists" (kubeadm ≥ 1.18): joining would hijack a
 * live node's name. A NotReady node of that name is allowed, to permit re-joins.
 * A Ready Node is also allowed when this machine already holds that Node's valid
 * kubelet credentials (see own-credential.ts): it is this machine, and a join
 * that crashed after kubelet-start is being run again.
 */
import { Effect, Either } from "effect"
import type { DiscoveryError } from "../discovery/errors.js"
import { JoinData } from "../discovery/join-data.js"
import type { KubeClient } from "../kube-api/kube-api.js"
import type { Crypto } from "../crypto/crypto.js"
import { Output } from "../output.js"
import type { RootFs } from "../rootfs/rootfs.js"
import { KubeletError } from "./errors.js"
import { ownNodeCredential } from "./own-credential.js"

/** What the check found: no Node, a NotReady one, a Ready one that is this machine, or no permission to look. */
export type NodeCheck = "absent" | "not-ready" | "ours" | "unknown"

/** Fails with ReadyNodeExists unless the Node of this name is absent, NotReady, or this machine. */
export const refuseReadyNode = (
  client: KubeClient,
  name: string,
  options: { readonly phase?: string } = {}
): Effect.Effect<NodeCheck, KubeletError | DiscoveryError, Output | JoinData | RootFs | Crypto> =>
  Effect.gen(function* () {
    const out = yield* Output
    const prefix = `[${options.phase ?? "preflight"}]`
    const node = yield* client.getNode(name).pipe(
      Effect.map((n) => n as typeof n | undefined),
      Effect.catchIf(
        (e) => e.reason === "NotFound",
        () => Effect.succeed(undefined)
      ),
      // Clusters set up before kubeadm 1.18 do not let bootstrap tokens read Nodes: say so, go on.
      Effect.catchIf(
        (e) => e.reason === "Forbidden",
        (e) => Effect.as(out.detail(1, `${prefix} cannot check for an existing Node "${name}": ${e.detail}`), null)
      ),
      Effect.mapError(
        (cause) => new KubeletError({ reason: "NodeLookupFailed", node: name, detail: cause.message, cause })
      )
    )
    if (node === null) return "unknown"
    if (node === undefined) return "absent"
    const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false
    if (!ready) {
      yield* out.detail(1, `${prefix} a Node "${name}" exists but is not Ready: re-joining it`)
      return "not-ready"
    }
    const data = yield* JoinData
    const cluster = yield* data.cluster
    const own = yield* ownNodeCredential(name, cluster.caPem)
    if (Either.isLeft(own)) {
      yield* out.detail(1, `${prefix} the Ready Node "${name}" is not this machine: ${own.left}`)
      return yield* new KubeletError({ reason: "ReadyNodeExists", node: name })
    }
    yield* out.info(
      `${prefix} This machine is already Node "${name}" (its kubelet client certificate is valid); resuming the join`
    )
    return "ours"
  })
