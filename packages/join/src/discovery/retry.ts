import { Schedule } from "effect"

/** The pause between discovery attempts: from 200ms, doubling, at most 3s, jittered. */
export const discoveryRetrySchedule = Schedule.exponential("200 millis", 2).pipe(
  Schedule.either(Schedule.spaced("3 seconds")),
  Schedule.jittered
)
