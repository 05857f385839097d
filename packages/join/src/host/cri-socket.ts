/**
 * The CRI endpoint of this join: `--cri-socket` / `nodeRegistration.criSocket`
 * when given (a bare path gets `unix://`), else the single known socket found
 * inside the rootfs, else containerd's default. Several found is an error.
 */
import { Effect } from "effect"
import { JoinContext } from "../join-context.js"
import { CriDetectionError, DEFAULT_CRI_ENDPOINT, Host } from "./host.js"

export const normalizeCriEndpoint = (value: string): string => (value.startsWith("/") ? `unix://${value}` : value)

export const resolveCriSocket: Effect.Effect<string, CriDetectionError, Host | JoinContext> = Effect.gen(function* () {
  const { config } = yield* JoinContext
  if (config.nodeRegistration.criSocket !== "") return normalizeCriEndpoint(config.nodeRegistration.criSocket)
  const host = yield* Host
  const found = yield* host.criEndpointsPresent
  if (found.length > 1) return yield* Effect.fail(new CriDetectionError({ found }))
  return found[0] ?? DEFAULT_CRI_ENDPOINT
})
