/** The one retry policy of API calls, and the per-attempt deadline. */
import { Duration, Effect, Schedule } from "effect"
import { isRetryable, KubeApiError } from "../../kube-api/errors.js"
import type { ClientOptions } from "../../kube-api/kube-api.js"

/**
 * Exponential from 100ms, doubling, jittered, at most `retries` times, only while the failure
 * is retryable; a Retry-After is honoured (as the lower bound of the pause).
 */
export const retrySchedule = (retries: number) =>
  Schedule.exponential("100 millis", 2).pipe(
    Schedule.either(Schedule.spaced("5 seconds")), // cap each pause at 5s before jitter
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(retries)),
    Schedule.intersect(Schedule.identity<KubeApiError>()),
    Schedule.whileInput((e: KubeApiError) => isRetryable(e)),
    Schedule.modifyDelay(([, e], delay) =>
      e.retryAfter !== undefined ? Duration.max(delay, Duration.seconds(Math.min(e.retryAfter, 60))) : delay
    )
  )

/**
 * The `--v=2` line for one retry: operation, status, reason, attempt and pause. Built only from
 * the op name, the server URL and the status, never from request headers or bodies (no secret).
 */
export const retryLine = (
  meta: { readonly op: string; readonly server: string },
  e: KubeApiError,
  attempt: number,
  delay: Duration.Duration
): string =>
  `[kube-api] ${meta.op} at ${meta.server}: attempt ${attempt} failed (${e.status === 0 ? "" : `${e.status} `}${e.reason}), retrying in ${Duration.format(Duration.millis(Math.round(Duration.toMillis(delay))))}`

/** Receives each retry line (the live layer passes Output.detail at level 2). */
export type RetryNotifier = (line: string) => Effect.Effect<void>

/** Applies the per-attempt deadline and the retry policy to one call. */
export const withPolicy = <A>(
  attempt: Effect.Effect<A, KubeApiError>,
  meta: { readonly op: string; readonly server: string },
  options: ClientOptions | undefined,
  notify?: RetryNotifier
): Effect.Effect<A, KubeApiError> => {
  const timeout = Duration.decode(options?.requestTimeout ?? "10 seconds")
  const schedule = retrySchedule(options?.retries ?? 5)
  const onRetry = options?.onRetry
  return attempt.pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new KubeApiError({
          ...meta,
          status: 0,
          reason: "Timeout",
          detail: `no answer within ${Duration.format(timeout)}`
        })
    }),
    Effect.retry(
      notify === undefined && onRetry === undefined
        ? schedule
        : // Called only when a retry is decided; `n` counts earlier retries, so this failure was attempt n + 1.
          schedule.pipe(
            Schedule.modifyDelayEffect(([[, n], e], delay) =>
              Effect.as(
                Effect.zipRight(
                  notify?.(retryLine(meta, e, n + 1, delay)) ?? Effect.void,
                  onRetry?.({ op: meta.op, attempt: n + 1, delay, error: e }) ?? Effect.void
                ),
                delay
              )
            )
          )
    )
  )
}
