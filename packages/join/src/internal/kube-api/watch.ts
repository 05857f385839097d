/**
 * A watch as a Stream, on client-node's Watch (the same kubeconfig, TLS and credentials as
 * the client's calls). The connection gets the capped agent, so an event line that never ends
 * fails the stream instead of growing the process; interrupting the stream closes it.
 */
import { Effect, Stream } from "effect"
import type * as https from "node:https"
import { MAX_RESPONSE_BYTES, ResponseTooLarge } from "../../body-limit.js"
import { causeText } from "../../cause-text.js"
import { KubeApiError } from "../../kube-api/errors.js"
import type { WatchEvent } from "../../kube-api/kube-api.js"
import { cappedAgent, isHttpsAgent } from "./capped-agent.js"
import { statusError, toError } from "./errors.js"
import type { ClientNode } from "./load.js"

type KubeConfig = InstanceType<ClientNode["KubeConfig"]>

/** What to watch and how to read its objects. */
export interface WatchSpec<A> {
  readonly op: string
  readonly server: string
  /** The collection's path, e.g. `/apis/certificates.k8s.io/v1/certificatesigningrequests`. */
  readonly path: string
  readonly query: Readonly<Record<string, string | number | undefined>>
  /** Maps an object of the event; a throw is a malformed answer. */
  readonly decode: (object: never) => A
}

/**
 * How long a watch may take to answer (connection, TLS handshake, response headers); the
 * same bound as one API call's attempt. Without it a handshake that never completes, or a
 * server that never answers, would hold the watch, and the join, forever.
 */
export const WATCH_ANSWER_WITHIN_MS = 10_000

const isEventType = (type: string): type is WatchEvent<unknown>["type"] =>
  type === "ADDED" || type === "MODIFIED" || type === "DELETED"

/** The events of a watch; the stream ends when the server closes it. */
export const watchStream = <A>(
  k8s: ClientNode,
  kc: KubeConfig,
  spec: WatchSpec<A>
): Stream.Stream<WatchEvent<A>, KubeApiError> =>
  Stream.async<WatchEvent<A>, KubeApiError>((emit) => {
    let tripped = false
    let closed = false
    let controller: AbortController | undefined
    let agent: https.Agent | undefined
    // client-node's Watch takes no signal before it has an answer: the agent's sockets are dropped instead
    const unanswered = setTimeout(() => {
      agent?.destroy()
      fail(
        new KubeApiError({
          op: spec.op,
          server: spec.server,
          status: 0,
          reason: "Timeout",
          detail: `no answer within ${WATCH_ANSWER_WITHIN_MS / 1000}s`
        })
      )
    }, WATCH_ANSWER_WITHIN_MS)
    const close = (end: () => void) => {
      clearTimeout(unanswered)
      if (closed) return
      closed = true
      controller?.abort()
      end()
    }
    const fail = (e: KubeApiError) => close(() => void emit.fail(e))
    // Watch reads only these two members of its KubeConfig.
    const config = {
      getCurrentCluster: () => kc.getCurrentCluster(),
      applyToFetchOptions: async (opts: object) => {
        const init = await kc.applyToFetchOptions(opts)
        if (isHttpsAgent(init.agent)) init.agent = agent = cappedAgent(init.agent, () => (tripped = true))
        return init
      }
    } as unknown as KubeConfig
    new k8s.Watch(config)
      .watch(
        spec.path,
        spec.query,
        (type, object: unknown) => {
          if (closed) return
          if (type === "ERROR")
            return fail(statusError(spec.op, spec.server, (object as { code?: number } | null)?.code ?? 0, object))
          if (!isEventType(type)) return
          let decoded: A
          try {
            decoded = spec.decode(object as never)
          } catch (e) {
            return fail(
              new KubeApiError({
                op: spec.op,
                server: spec.server,
                status: 200,
                reason: "BadResponse",
                detail: `a malformed watch event: ${causeText(e)}`
              })
            )
          }
          void emit.single({ type, object: decoded })
        },
        (err: unknown) =>
          err === null || err === undefined
            ? close(() => void emit.end())
            : fail(toError(k8s, spec.op, spec.server, tripped ? new ResponseTooLarge(MAX_RESPONSE_BYTES) : err))
      )
      .then((c) => {
        clearTimeout(unanswered)
        controller = c
        if (closed) c.abort()
      })
      .catch((err: unknown) => fail(toError(k8s, spec.op, spec.server, err)))
    return Effect.sync(() => close(() => undefined))
  }, "unbounded")
