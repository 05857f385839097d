import { describe, expect, it } from "@effect/vitest"
import { Data, Duration, Effect, Fiber, Ref, TestClock } from "effect"
import { collectingReporter, fullNames, phase, PhaseEvent, run, skip, workflow } from "../src/index.js"

class CertError extends Data.TaggedError("CertError")<{ readonly path: string }> {
  override get message() {
    return `failure loading certificate for CA: couldn't load the certificate file ${this.path}`
  }
}

const collect = <E>(effect: Effect.Effect<void, E, import("../src/index.js").PhaseReporter>) =>
  Effect.gen(function* () {
    const events = yield* Ref.make<ReadonlyArray<PhaseEvent>>([])
    const exit = yield* Effect.exit(effect.pipe(Effect.provide(collectingReporter(events))))
    return { exit, events: yield* Ref.get(events) }
  })

describe("runner events and messages", () => {
  it.effect("reports Started / Succeeded with the Clock's duration, parents before children", () =>
    Effect.gen(function* () {
      const w = workflow(
        phase({ name: "preflight", description: "checks", run: Effect.sleep("3 seconds") }),
        phase({
          name: "control-plane-join",
          description: "parent",
          children: [phase({ name: "etcd", description: "etcd", run: Effect.sleep("2 seconds") })]
        })
      )
      const fiber = yield* Effect.fork(collect(run(w)))
      yield* TestClock.adjust("10 seconds")
      const { events } = yield* Fiber.join(fiber)
      // durations compared in milliseconds (Duration's internal form differs by constructor)
      const simple = events.map((e) =>
        e._tag === "Succeeded" ? `${e.phase} ok ${Duration.toMillis(e.duration)}ms` : `${e.phase} ${e._tag}`
      )
      expect(simple).toEqual([
        "preflight Started",
        "preflight ok 3000ms",
        "control-plane-join Started",
        "control-plane-join ok 0ms",
        "control-plane-join/etcd Started",
        "control-plane-join/etcd ok 2000ms"
      ])
    })
  )

  it.effect("a false condition skips the phase and its subtree with the condition's reason", () =>
    Effect.gen(function* () {
      const ran = yield* Ref.make(0)
      const w = workflow(
        phase({
          name: "control-plane-prepare",
          description: "parent",
          condition: { when: Effect.succeed(false), reason: "not a control-plane join" },
          children: [phase({ name: "certs", description: "certs", run: Ref.update(ran, (n) => n + 1) })]
        }),
        phase({ name: "kubelet-start", description: "kubelet", run: Ref.update(ran, (n) => n + 10) })
      )
      const { events } = yield* collect(run(yield* skip(["kubelet-start"])(w)))
      expect(yield* Ref.get(ran)).toBe(0)
      expect(events).toEqual([
        PhaseEvent.Skipped({ phase: "control-plane-prepare", reason: "not a control-plane join" }),
        PhaseEvent.Skipped({ phase: "control-plane-prepare/certs", reason: "not a control-plane join" }),
        PhaseEvent.Skipped({ phase: "kubelet-start", reason: "skipped by --skip-phases" })
      ])
    })
  )

  it.effect("a failure stops the run: error execution phase <full name>: <cause>", () =>
    Effect.gen(function* () {
      const after = yield* Ref.make(false)
      const failure = new CertError({ path: "/etc/kubernetes/pki/ca.crt" })
      const w = workflow(
        phase({
          name: "control-plane-prepare",
          description: "parent",
          children: [
            phase({ name: "download-certs", description: "d" }),
            phase({ name: "certs", description: "c", run: Effect.fail(failure) }),
            phase({ name: "kubeconfig", description: "k", run: Ref.set(after, true) })
          ]
        }),
        phase({ name: "kubelet-start", description: "kubelet", run: Ref.set(after, true) })
      )
      const { exit, events } = yield* collect(run(w))
      expect(yield* Ref.get(after)).toBe(false)
      expect(events.at(-1)).toEqual(PhaseEvent.Failed({ phase: "control-plane-prepare/certs", error: failure }))
      expect(exit._tag).toBe("Failure")
      const error = exit._tag === "Failure" && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error?._tag).toBe("PhaseFailed")
      expect(error?.cause).toBe(failure)
      expect(error?.message).toBe(
        "error execution phase control-plane-prepare/certs: failure loading certificate for CA: couldn't load the certificate file /etc/kubernetes/pki/ca.crt"
      )
    })
  )

  it.effect("a failing condition fails its phase the same way", () =>
    Effect.gen(function* () {
      const w = workflow(
        phase({
          name: "check-etcd",
          description: "hidden",
          hidden: true,
          condition: { when: Effect.fail(new CertError({ path: "x" })), reason: "never" }
        })
      )
      const { exit } = yield* collect(run(w))
      expect(exit._tag === "Failure" && exit.cause._tag === "Fail" ? exit.cause.error.message : "").toBe(
        "error execution phase check-etcd: failure loading certificate for CA: couldn't load the certificate file x"
      )
    })
  )

  it("fullNames lists parent/child in tree order, hidden ones included", () => {
    const w = workflow(
      phase({ name: "preflight", description: "p" }),
      phase({
        name: "control-plane-prepare",
        description: "cpp",
        children: [phase({ name: "all", description: "all", hidden: true }), phase({ name: "certs", description: "c" })]
      }),
      phase({ name: "check-etcd", description: "e", hidden: true })
    )
    expect(fullNames(w)).toEqual([
      "preflight",
      "control-plane-prepare",
      "control-plane-prepare/all",
      "control-plane-prepare/certs",
      "check-etcd"
    ])
  })
})
