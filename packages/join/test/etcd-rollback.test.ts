/**
 * Undoing a member add (kubeadm issue 3208) and waiting out another join's learner, on the
 * in-memory etcd: a member that never started is removed; a started, healthy voting member
 * whose removal would leave too few healthy voters is kept, and the reason says why; an add
 * refused with "too many learner members" is retried until the other learner is promoted.
 */
import { Effect, Fiber, Ref } from "effect"
import { describe, expect, it } from "vitest"
import * as etcd from "../src/etcd/etcd.js"
import { ensureMember, type EtcdMember, quorumOf, rollbackMember } from "../src/etcd/index.js"

const member = (n: number, extra: Partial<EtcdMember> = {}): EtcdMember => ({
  id: String(n),
  name: `cp-${n}`,
  peerURLs: [`https://10.0.0.${n}:2380`],
  clientURLs: [`https://10.0.0.${n}:2379`],
  isLearner: false,
  ...extra
})

describe("rollbackMember", () => {
  it("quorum of n voters", () => {
    expect([1, 2, 3, 4, 5].map(quorumOf)).toEqual([1, 2, 2, 3, 3])
  })

  it("a member that never started is removed again: the membership is as before", async () => {
    const h = etcd.fake([member(1)], { autoStart: false })
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const added = yield* h.client.add("https://10.0.0.9:2380", { learner: false })
        const undone = yield* rollbackMember(h.client, added.member)
        return { undone, members: yield* h.client.members, id: added.member.id }
      })
    )
    expect(result.undone).toEqual({ outcome: "Removed", id: result.id })
    expect(result.members).toEqual([member(1)])
  })

  it("a learner is removed even when another voter is down (learners never count)", async () => {
    const h = etcd.fake([member(1), member(2)])
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        yield* h.stop("https://10.0.0.2:2380")
        const added = yield* h.client.add("https://10.0.0.9:2380", { learner: true })
        return yield* rollbackMember(h.client, added.member)
      })
    )
    expect(result.outcome).toBe("Removed")
    expect((await Effect.runPromise(h.client.members)).map((m) => m.id)).toEqual(["1", "2"])
  })

  it("a started voting member is kept when removing it would break quorum, and says why", async () => {
    const h = etcd.fake([member(1), member(2)])
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const added = yield* h.client.add("https://10.0.0.9:2380", { learner: false }) // auto-started
        yield* h.stop("https://10.0.0.2:2380")
        return yield* rollbackMember(h.client, added.member)
      })
    )
    expect(result).toMatchObject({
      outcome: "Kept",
      why: "removing it would leave 1 healthy of 2 voting members, fewer than the 2 a quorum needs"
    })
    expect(await Effect.runPromise(h.client.members)).toHaveLength(3)
  })

  it("a started voting member is removed when the others keep a quorum without it", async () => {
    const h = etcd.fake([member(1), member(2), member(3)])
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const added = yield* h.client.add("https://10.0.0.9:2380", { learner: false })
        yield* h.stop("https://10.0.0.3:2380") // 2 of the 3 others healthy: quorum of 3 is 2
        return yield* rollbackMember(h.client, added.member)
      })
    )
    expect(result.outcome).toBe("Removed")
  })

  it("a member already gone is reported as such", async () => {
    const h = etcd.fake([member(1)])
    const result = await Effect.runPromise(rollbackMember(h.client, member(7)))
    expect(result).toEqual({ outcome: "Gone", id: "7" })
  })
})

describe("ensureMember with another join's learner in the cluster", () => {
  it("retries the add (TooManyLearners) until that learner is promoted, telling the user", async () => {
    const h = etcd.fake([member(1), member(2, { isLearner: true })])
    const waits = Ref.unsafeMake(0)
    const ensured = await Effect.runPromise(
      Effect.gen(function* () {
        const promote = yield* Effect.fork(Effect.delay(h.client.promote("2"), "700 millis"))
        const r = yield* ensureMember(h.client, "cp-9", "https://10.0.0.9:2380", {
          learner: true,
          onLearnerWait: Ref.update(waits, (n) => n + 1)
        })
        yield* Fiber.join(promote)
        return r
      })
    )
    expect(ensured.reused).toBe(false)
    expect(ensured.member.isLearner).toBe(true)
    expect(Ref.get(waits).pipe(Effect.runSync)).toBeGreaterThan(0)
    const members = await Effect.runPromise(h.client.members)
    expect(members.filter((m) => m.isLearner).map((m) => m.peerURLs[0])).toEqual(["https://10.0.0.9:2380"])
  })

  it("the refusal is typed: reason TooManyLearners", async () => {
    const h = etcd.fake([member(1), member(2, { isLearner: true })])
    const e = await Effect.runPromise(Effect.flip(h.client.add("https://10.0.0.9:2380", { learner: true })))
    expect(e.reason).toBe("TooManyLearners")
  })
})
