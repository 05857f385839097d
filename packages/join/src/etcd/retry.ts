import { type Duration, Schedule } from "effect"

/**
 * The retry schedule of etcd calls: jittered exponential from 50 ms, capped at
 * 1 s, for up to `budget`. etcd refuses membership changes with "unhealthy
 * cluster" until a quorum has been connected for 5 s, so the budget is in time.
 */
export const etcdCallRetry = (budget: Duration.DurationInput = "40 seconds") =>
  Schedule.exponential("50 millis", 2).pipe(
    Schedule.jittered,
    Schedule.union(Schedule.spaced("1 second")),
    Schedule.upTo(budget)
  )
