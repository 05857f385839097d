/**
 * Events: the NDJSON envelope, waits and their progress (plain periodic lines without a
 * terminal, one live log-update line on a terminal), all on the TestClock; which files get a
 * digest; how a failure is described.
 */
import { describe, expect, it } from "@effect/vitest"
import { PhaseFailed } from "@kubeadm-ts/workflow"
import { Effect, Fiber, TestClock } from "effect"
import { createHash } from "node:crypto"
import { Writable } from "node:stream"
import { ConfigError } from "../src/config/errors.js"
import { DiscoveryError } from "../src/discovery/errors.js"
import { type ProgressView, awaiting, fake, observed, ttyView } from "../src/events/events.js"
import { fileDigest } from "../src/events/observe.js"
import { describeFailure } from "../src/events/reasons.js"
import { Events } from "../src/events/events.js"

/** A plain (non-terminal) view collecting its lines. */
const plainCollector = () => {
  const lines: Array<string> = []
  const view: ProgressView = {
    live: false,
    show: (line) => Effect.sync(() => void lines.push(line)),
    clear: Effect.void
  }
  return { view, lines }
}

/** A terminal stream as log-update sees one (80 columns), keeping what is written. */
const fakeTerminal = () => {
  const writes: Array<string> = []
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      writes.push(String(chunk))
      done()
    }
  }) as Writable & { columns: number; rows: number; isTTY: boolean }
  stream.columns = 80
  stream.rows = 24
  stream.isTTY = true
  return { stream, writes }
}

const csrWait = awaiting({ awaiting: "the CSR", deadline: "5 minutes" })

describe("Events", () => {
  it.effect("numbers and time-stamps every line with the schema version", () =>
    Effect.gen(function* () {
      const f = fake()
      yield* Effect.gen(function* () {
        const events = yield* Events
        yield* events.emit({ type: "phase-start", phase: "preflight" })
        yield* TestClock.adjust("1500 millis")
        yield* events.emit({ type: "phase-end", phase: "preflight", durationMs: 1500 })
      }).pipe(Effect.provide(f.layer))
      expect(f.lines).toEqual([
        {
          schema: "kubeadm-ts/join-events/v1",
          seq: 1,
          time: "1970-01-01T00:00:00.000Z",
          type: "phase-start",
          phase: "preflight"
        },
        {
          schema: "kubeadm-ts/join-events/v1",
          seq: 2,
          time: "1970-01-01T00:00:01.500Z",
          type: "phase-end",
          phase: "preflight",
          durationMs: 1500
        }
      ])
    })
  )

  it.effect("the hooks do nothing without an Events", () =>
    Effect.gen(function* () {
      expect(yield* csrWait(Effect.zipRight(observed("pending"), Effect.succeed(7)))).toBe(7)
    })
  )

  it.effect("a wait without a terminal: start, state changes, a plain line and a progress event every 10 s, end", () =>
    Effect.gen(function* () {
      const plain = plainCollector()
      const f = fake(plain.view)
      const body = Effect.gen(function* () {
        yield* observed('CSR "csr-1": CSR not yet approved')
        yield* Effect.sleep("15 seconds")
        yield* observed('CSR "csr-1": CSR not yet approved') // unchanged: no event
        yield* observed('CSR "csr-1": CSR approved, certificate not yet issued')
        yield* Effect.sleep("10 seconds")
        return "issued"
      })
      const fiber = yield* Effect.fork(csrWait(body).pipe(Effect.provide(f.layer)))
      yield* TestClock.adjust("30 seconds")
      expect(yield* Fiber.join(fiber)).toBe("issued")
      expect(plain.lines).toEqual([
        '[wait] the CSR: 10s of 5m0s; CSR "csr-1": CSR not yet approved',
        '[wait] the CSR: 20s of 5m0s; CSR "csr-1": CSR approved, certificate not yet issued'
      ])
      expect(f.lines.map((l) => [l.type, "elapsedMs" in l ? l.elapsedMs : undefined])).toEqual([
        ["wait-start", undefined],
        ["wait-progress", 0],
        ["wait-progress", 10_000],
        ["wait-progress", 15_000],
        ["wait-progress", 20_000],
        ["wait-end", 25_000]
      ])
      expect(f.lines[f.lines.length - 1]).toMatchObject({ type: "wait-end", outcome: "done", deadlineMs: 300_000 })
    })
  )

  it.effect("a failed wait ends with outcome failed", () =>
    Effect.gen(function* () {
      const f = fake()
      const exit = yield* Effect.exit(csrWait(Effect.fail("denied")).pipe(Effect.provide(f.layer)))
      expect(exit._tag).toBe("Failure")
      expect(f.lines.map((l) => l.type)).toEqual(["wait-start", "wait-end"])
      expect(f.lines[1]).toMatchObject({ outcome: "failed", elapsedMs: 0 })
    })
  )

  it.effect("a wait on a terminal: one live line (log-update) redrawn each second, erased at the end", () =>
    Effect.gen(function* () {
      const term = fakeTerminal()
      const f = fake(ttyView(term.stream))
      const body = Effect.zipRight(observed("CSR pending approval"), Effect.sleep("2500 millis"))
      const fiber = yield* Effect.fork(csrWait(body).pipe(Effect.provide(f.layer)))
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(fiber)
      const shown = term.writes.filter((w) => w.includes("[wait]"))
      expect(shown.map((w) => w.slice(w.indexOf("[wait]")))).toEqual([
        "[wait] the CSR: 0s of 5m0s\n",
        "[wait] the CSR: 0s of 5m0s; CSR pending approval\n",
        "[wait] the CSR: 1s of 5m0s; CSR pending approval\n",
        "[wait] the CSR: 2s of 5m0s; CSR pending approval\n"
      ])
      // each redraw first erases the line before (cursor up, erase line), and so does the end
      expect(shown[1]).toContain("\u001B[2K\u001B[1A\u001B[2K\u001B[G")
      expect(term.writes[term.writes.length - 1]).toBe("\u001B[2K\u001B[1A\u001B[2K\u001B[G")
    })
  )

  it.effect("a write to the terminal during a wait moves the live line out of its way", () =>
    Effect.gen(function* () {
      const term = fakeTerminal()
      const f = fake(ttyView(term.stream))
      const body = Effect.gen(function* () {
        const events = yield* Events
        yield* events.aside(Effect.sync(() => void term.stream.write("[kubelet-start] a line\n")))
      })
      yield* csrWait(body).pipe(Effect.provide(f.layer))
      const at = term.writes.indexOf("[kubelet-start] a line\n")
      expect(at).toBeGreaterThan(0)
      expect(term.writes[at - 1]).toBe("\u001B[2K\u001B[1A\u001B[2K\u001B[G")
    })
  )
})

describe("fileDigest", () => {
  it("digests a private key (hundreds of random bits), not a file holding a bootstrap token", () => {
    const key =
      "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB1vZ2Fyb2ZzZWNyZXRrZXlrZXlrZXk=\n-----END EC PRIVATE KEY-----\n"
    expect(fileDigest(key)).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(fileDigest("users:\n- name: tls-bootstrap-token-user\n  user:\n    token: abcdef.0123456789abcdef\n")).toBe(
      undefined
    )
    const text = "apiVersion: v1\n"
    const expected = `sha256:${createHash("sha256").update(text).digest("hex")}`
    expect(fileDigest(text)).toBe(expected)
    expect(fileDigest(new TextEncoder().encode(text))).toBe(expected)
  })
})

describe("describeFailure", () => {
  it("unwraps a phase's failure: family, reason, the CLI's message, remediation, phase", () => {
    const e = new PhaseFailed({ phase: "preflight", cause: new DiscoveryError({ reason: "NoJws", tokenId: "abcdef" }) })
    const d = describeFailure(e)
    expect(d).toMatchObject({ family: "DiscoveryError", reason: "NoJws", phase: "preflight" })
    expect(d.message).toBe(e.message)
    expect(d.remediation).toContain("kubeadm token create")
  })

  it("a family without a reason field has its one documented reason; anything else is a defect", () => {
    expect(describeFailure(new ConfigError({ message: "bad" }))).toMatchObject({
      family: "ConfigError",
      reason: "InvalidConfiguration",
      message: "bad"
    })
    expect(describeFailure(new Error("boom"))).toMatchObject({ family: "Defect", reason: "Defect" })
  })
})

describe("Events: alternating states", () => {
  it.effect("concurrent polls that alternate the state make at most one progress event a second", () =>
    Effect.gen(function* () {
      const f = fake()
      const poll = (name: string) =>
        Effect.repeatN(Effect.zipRight(observed(`${name}: status code: 503`), Effect.sleep("100 millis")), 19)
      const fiber = yield* Effect.fork(
        csrWait(Effect.all([poll("kube-apiserver"), poll("kube-scheduler")], { concurrency: "unbounded" })).pipe(
          Effect.provide(f.layer)
        )
      )
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(fiber)
      const progress = f.lines.filter((l) => l.type === "wait-progress")
      expect(progress.length).toBeGreaterThanOrEqual(2)
      expect(progress.length).toBeLessThanOrEqual(3)
    })
  )
})
