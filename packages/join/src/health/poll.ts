/** Polling a health endpoint until it answers 200, as kubeadm's waiters do. */
import { Duration, Effect, Option, Schedule } from "effect"
import { Health, type HealthTls } from "./health.js"
import { observed } from "../events/events.js"

/** kubeadm's KubernetesAPICallRetryInterval. */
export const HEALTH_POLL_INTERVAL = Duration.millis(500)

/**
 * GETs `url` every 500 ms until it answers 200. None when it did within `timeout`,
 * otherwise the last failure ("status code: 503", "error: ...") for the message.
 */
export const untilHealthy = (
  url: string,
  timeout: Duration.Duration,
  tls?: HealthTls
): Effect.Effect<Option.Option<string>, never, Health> =>
  Effect.gen(function* () {
    const health = yield* Health
    let last = "error: no answer yet"
    const attempt = health.get(url, tls).pipe(
      Effect.mapError((e) => `error: ${e.message}`),
      Effect.flatMap((status) => (status === 200 ? Effect.void : Effect.fail(`status code: ${status}`))),
      Effect.tapError((why) =>
        Effect.zipRight(
          Effect.sync(() => void (last = why)),
          observed(`${url}: ${why}`)
        )
      )
    )
    const done = yield* attempt.pipe(
      Effect.retry(Schedule.spaced(HEALTH_POLL_INTERVAL)),
      Effect.timeoutOption(timeout),
      Effect.orElseSucceed(() => Option.none())
    )
    return Option.isSome(done) ? Option.none() : Option.some(last)
  })
