/** The live Health checks: node's http/https, one short request each, no keep-alive. */
import { Effect } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import { HealthCheckError } from "../../health/errors.js"
import type { HealthService, HealthTls } from "../../health/health.js"

const REQUEST_TIMEOUT_MS = 5_000

const get = (url: string, tls: HealthTls = {}) =>
  Effect.async<number, HealthCheckError>((resume, signal) => {
    const options = {
      signal,
      timeout: REQUEST_TIMEOUT_MS,
      agent: false as const,
      ...(url.startsWith("https:")
        ? {
            rejectUnauthorized: tls.caPem !== undefined,
            ...(tls.caPem !== undefined ? { ca: tls.caPem } : {}),
            ...(tls.certPem !== undefined ? { cert: tls.certPem } : {}),
            ...(tls.keyPem !== undefined ? { key: tls.keyPem } : {})
          }
        : {})
    }
    const req = (url.startsWith("https:") ? https : http).get(url, options, (res) => {
      res.resume()
      res.on("end", () => resume(Effect.succeed(res.statusCode ?? 0)))
      res.on("error", (cause) => resume(Effect.fail(new HealthCheckError({ url, cause }))))
    })
    req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)))
    req.on("error", (cause) => resume(Effect.fail(new HealthCheckError({ url, cause }))))
  })

export const service: HealthService = { get }
