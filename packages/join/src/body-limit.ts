/**
 * Caps on what a server may send. A response is read into memory before anything
 * checks it (cluster-info before its JWS, a discovery URL before parsing), so an
 * endless body would grow the process without bound: past the cap the connection is
 * dropped and the request fails with a `ResponseTooLarge` error, which is never retried.
 */
import type { IncomingMessage } from "node:http"

/**
 * The largest API response read. Kubernetes objects are at most about 1.5 MiB (etcd's
 * request limit); a join reads a handful of small ones.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024

/** The `code` a ResponseTooLarge carries, so callers that only see a Node error can still tell it apart. */
export const RESPONSE_TOO_LARGE = "ERR_RESPONSE_TOO_LARGE"

/** Thrown when a server's answer outgrows the byte limit: a hostile or broken endpoint must not exhaust memory. */
export class ResponseTooLarge extends Error {
  readonly code = RESPONSE_TOO_LARGE
  constructor(readonly limit: number) {
    super(`the server's response is larger than ${limit} bytes: refusing to read more`)
  }
}

/** Collects a response body up to `limit` bytes; past it the response is destroyed and `done` gets a ResponseTooLarge. */
export const collectBody = (res: IncomingMessage, limit: number, done: (result: Buffer | Error) => void): void => {
  const chunks: Array<Buffer> = []
  let total = 0
  let finished = false
  const finish = (result: Buffer | Error) => {
    if (finished) return
    finished = true
    done(result)
  }
  const declared = Number(res.headers["content-length"])
  if (Number.isFinite(declared) && declared > limit) {
    res.destroy()
    return finish(new ResponseTooLarge(limit))
  }
  res.on("data", (c: Buffer) => {
    total += c.length
    if (total > limit) {
      chunks.length = 0
      res.destroy()
      return finish(new ResponseTooLarge(limit))
    }
    chunks.push(c)
  })
  res.on("end", () => finish(Buffer.concat(chunks)))
  res.on("error", (e) => finish(e))
  res.on("close", () => finish(new Error("the connection closed before the response ended")))
}
