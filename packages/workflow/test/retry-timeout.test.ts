import { describe, expect, it } from "@effect/vitest"
import { Data, Duration, Effect, Exit, Fiber, FastCheck as fc, Ref, Schedule, TestClock } from "effect"
import { phase, retry, run, silentReporter, timeout, workflow } from "../src/index.js"

class Boom extends Data.TaggedError("Boom")<{ readonly attempt: number }> {
  override get message() {
    return `boom #${this.attempt}`
  }
}

/** control-plane-join/etcd fails on its first k attempts. */
const flaky = (k: number, attempts: Ref.Ref<number>) =>
  workflow(
    phase({
      name: "control-plane-join",
      description: "parent",
      children: [
        phase({
          name: "etcd",
          description: "flaky",
          run: Ref.updateAndGet(attempts, (n) => n + 1).pipe(
            Effect.flatMap((n) => (n <= k ? Effect.fail(new Boom({ attempt: n })) : Effect.void))
          )
        })
      ]
    })
  )

describe("retry", () => {
  it.effect.prop(
    "retry(n) succeeds when the phase fails k < n times, fails with the last error when k > n",
    { n: fc.integer({ min: 0, max: 6 }), k: fc.integer({ min: 0, max: 10 }) },
    ({ n, k }) =>
      Effect.gen(function* () {
        const attempts = yield* Ref.make(0)
        // a real delay between attempts, driven by the TestClock: nothing sleeps for real
        const schedule = Schedule.recurs(n).pipe(Schedule.addDelay(() => "5 seconds"))
        const w = yield* retry("control-plane-join/etcd", schedule)(flaky(k, attempts))
        const fiber = yield* Effect.fork(run(w).pipe(Effect.provide(silentReporter), Effect.exit))
        yield* TestClock.adjust(Duration.seconds(5 * (n + 1)))
        const exit = yield* Fiber.join(fiber)
        if (k <= n) {
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(yield* Ref.get(attempts)).toBe(k + 1)
        } else {
          expect(yield* Ref.get(attempts)).toBe(n + 1)
          expect(Exit.isFailure(exit)).toBe(true)
          const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
          expect(error?.phase).toBe("control-plane-join/etcd")
          expect(error?.cause).toEqual(new Boom({ attempt: n + 1 }))
          expect(error?.message).toBe(`error execution phase control-plane-join/etcd: boom #${n + 1}`)
        }
      })
  )

  it.effect("without the TestClock advancing, the retry waits (no real sleeping)", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const w = yield* retry("control-plane-join/etcd", Schedule.spaced("1 minute"))(flaky(2, attempts))
      const fiber = yield* Effect.fork(run(w).pipe(Effect.provide(silentReporter)))
      yield* TestClock.adjust("59 seconds")
      expect(yield* Ref.get(attempts)).toBe(1)
      yield* TestClock.adjust("2 minutes")
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(attempts)).toBe(3)
    })
  )

  it.effect("an unknown name is an UnknownPhaseError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(retry("etcd", Schedule.recurs(1))(flaky(0, yield* Ref.make(0))))
      expect(error.message).toBe(
        "invalid phase name: etcd (valid phase names: control-plane-join, control-plane-join/etcd)"
      )
    })
  )
})

describe("timeout", () => {
  it.effect.prop(
    "a phase slower than its timeout fails with a typed PhaseTimeoutError",
    { work: fc.integer({ min: 1, max: 600 }), limit: fc.integer({ min: 1, max: 600 }) },
    ({ work, limit }) =>
      Effect.gen(function* () {
        const w = yield* timeout(
          "kubelet-start",
          Duration.seconds(limit)
        )(workflow(phase({ name: "kubelet-start", description: "slow", run: Effect.sleep(Duration.seconds(work)) })))
        const fiber = yield* Effect.fork(run(w).pipe(Effect.provide(silentReporter), Effect.either))
        yield* TestClock.adjust(Duration.seconds(Math.max(work, limit)))
        const result = yield* Fiber.join(fiber)
        if (work < limit) {
          expect(result._tag).toBe("Right")
        } else if (work > limit) {
          expect(result._tag).toBe("Left")
          const error = result._tag === "Left" ? result.left : undefined
          expect(error?.cause._tag).toBe("PhaseTimeoutError")
          if (error?.cause._tag === "PhaseTimeoutError") {
            expect(error.cause.phase).toBe("kubelet-start")
            expect(Duration.toSeconds(error.cause.duration)).toBe(limit)
          }
        }
      })
  )

  it.effect("the timeout message names the phase and the duration", () =>
    Effect.gen(function* () {
      const w = yield* timeout(
        "kubelet-start",
        "4 minutes"
      )(workflow(phase({ name: "kubelet-start", description: "never ends", run: Effect.never })))
      const fiber = yield* Effect.fork(Effect.flip(run(w).pipe(Effect.provide(silentReporter))))
      yield* TestClock.adjust("4 minutes")
      const error = yield* Fiber.join(fiber)
      expect(error.message).toBe("error execution phase kubelet-start: phase kubelet-start timed out after 4m")
    })
  )

  it.effect("the timeout message says what the phase was awaiting", () =>
    Effect.gen(function* () {
      const w = yield* timeout(
        "etcd-join",
        "2 minutes",
        "waiting for the new etcd member to join the cluster"
      )(workflow(phase({ name: "etcd-join", description: "never ends", run: Effect.never })))
      const fiber = yield* Effect.fork(Effect.flip(run(w).pipe(Effect.provide(silentReporter))))
      yield* TestClock.adjust("2 minutes")
      const error = yield* Fiber.join(fiber)
      expect(error.message).toBe(
        "error execution phase etcd-join: phase etcd-join timed out after 2m waiting for the new etcd member to join the cluster"
      )
    })
  )
})
