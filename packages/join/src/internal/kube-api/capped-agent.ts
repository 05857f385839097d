/**
 * Response bodies are capped (../../body-limit.ts): client-node reads them with node-fetch,
 * which has no cap, so each request gets a copy of its agent that drops the connection once
 * more than MAX_RESPONSE_BYTES arrive.
 */
import * as https from "node:https"
import type { Duplex } from "node:stream"
import * as tls from "node:tls"
import { MAX_RESPONSE_BYTES, ResponseTooLarge } from "../../body-limit.js"

/**
 * A copy of `agent` (same TLS options) whose connection is dropped once more than
 * MAX_RESPONSE_BYTES arrive. One agent per attempt, so the count is one response's. The bytes
 * are counted where the socket emits them, not with a 'data' listener of our own: node-fetch
 * takes any listener left on the socket after a chunked response for a truncated body
 * ("Premature close").
 * `sharedContext` gives the TLS context (CA, client certificate and key) built once for every
 * request of one client: building it per request costs more CPU than the handshake.
 */
export const cappedAgent = (
  agent: https.Agent,
  onTrip: () => void,
  sharedContext?: (options: https.AgentOptions) => tls.SecureContext
): https.Agent => {
  const capped = new https.Agent({
    ...agent.options,
    ...(sharedContext === undefined ? {} : { secureContext: sharedContext(agent.options) })
  })
  const create = capped.createConnection.bind(capped) as (...args: ReadonlyArray<unknown>) => Duplex
  Object.assign(capped, {
    createConnection: (...args: ReadonlyArray<unknown>) => {
      const socket = create(...args)
      const emit = socket.emit.bind(socket)
      let received = 0
      socket.emit = (event: string | symbol, ...rest: Array<unknown>): boolean => {
        if (event === "data" && rest[0] instanceof Buffer) {
          received += rest[0].length
          if (received > MAX_RESPONSE_BYTES) {
            onTrip()
            socket.destroy(new ResponseTooLarge(MAX_RESPONSE_BYTES))
            return false
          }
        }
        return emit(event, ...rest)
      }
      return socket
    }
  })
  return capped
}

/** Whether `agent` is one node:https can copy (client-node's agents are). */
export const isHttpsAgent = (agent: unknown): agent is https.Agent => agent instanceof https.Agent

/**
 * One TLS context for every request of a client: built from the first request's agent options
 * (client-node gives each request an agent with the same CA and credentials).
 */
export const sharedSecureContext = (): ((options: https.AgentOptions) => tls.SecureContext) => {
  let context: tls.SecureContext | undefined
  return (options) => (context ??= tls.createSecureContext(options))
}
