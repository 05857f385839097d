/** Go's `time.Duration.String()` for the durations kubeadm prints (`5m0s`, `40s`, `1h0m0s`, `500ms`). */
import { Duration } from "effect"

/** A duration as Go's time.Duration.String prints it (`5m0s`), for messages that quote kubeadm. */
export const goDuration = (input: Duration.DurationInput): string => {
  const ms = Math.round(Duration.toMillis(Duration.decode(input)))
  if (ms === 0) return "0s"
  if (ms < 1000) return `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = (ms % 60_000) / 1000
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`
  if (h > 0) return `${h}h${m}m${sec}`
  if (m > 0) return `${m}m${sec}`
  return sec
}
