import { Data } from "effect"
import { causeText } from "../cause-text.js"

/** A health GET got no HTTP answer (refused, TLS, timeout). */
export class HealthCheckError extends Data.TaggedError("HealthCheckError")<{
  readonly url: string
  readonly cause?: unknown
}> {
  override get message() {
    const detail = this.cause === undefined ? "no answer" : causeText(this.cause)
    return `GET ${this.url} failed: ${detail}`
  }
}
