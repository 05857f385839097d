/**
 * @kubernetes/client-node costs about a second of start-up: it is imported when the first
 * client is built, so `join --help`, a failing validation or a library import never pay for it.
 */
import { Effect } from "effect"

/** The client-node module. */
export type ClientNode = typeof import("@kubernetes/client-node")

let loaded: Promise<ClientNode> | undefined

/** client-node, imported once on first use. */
export const loadClientNode: Effect.Effect<ClientNode> = Effect.promise(
  () =>
    // The CLI's bundle gives it as the default export of a CommonJS file (with a V8 code cache, see build.mjs).
    (loaded ??= import("@kubernetes/client-node").then((m: ClientNode | { readonly default: ClientNode }) =>
      "default" in m ? m.default : m
    ))
)
