/**
 * `Events`: where the join tells tools and people what it does, beyond kubeadm's lines.
 * Phases, services and the CLI emit JoinEvents into it; the layer chosen once (join-layer.ts,
 * from `-o text|json`) decides what becomes of them: NDJSON lines on stdout (`-o json`), and
 * on stderr the progress of long waits (one live line on a terminal, periodic lines
 * otherwise). A wait is a hook around the waiting effect (`awaiting`), and the wait tells
 * what it last saw with `observed`; both do nothing when no Events is provided, so the
 * library's functions run without one.
 */
import { Clock, Context, Duration, Effect, Exit, FiberRef, Layer, Option, Ref } from "effect"
import { goDuration } from "../discovery/duration.js"
import * as stdio from "../internal/events/stdio.js"
import { EVENTS_SCHEMA, type EventLine, type JoinEvent } from "./event.js"

/** What a wait is for and how long it may take. */
export interface WaitSpec {
  /** What is awaited, in words: `the kubelet's TLS bootstrap (kubelet.conf)`. */
  readonly awaiting: string
  readonly deadline: Duration.DurationInput
}

/** Receives the join's events; emitting cannot fail. */
export interface EventsService {
  readonly emit: (event: JoinEvent) => Effect.Effect<void>
  /** Runs `body` as a wait: wait-start, progress while it runs, wait-end with its outcome. */
  readonly wait: <A, E, R>(spec: WaitSpec, body: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The current wait's last observed state (e.g. `CSR "csr-x" pending approval`); nothing outside a wait. */
  readonly observe: (state: string) => Effect.Effect<void>
  /** Runs a write to the terminal with the live progress line moved out of its way. */
  readonly aside: <A>(write: Effect.Effect<A>) => Effect.Effect<A>
}

/** The Tag of the join's event sink. */
export class Events extends Context.Tag("@kubeadm-ts/join/Events")<Events, EventsService>() {}

/** Where the progress of waits is shown: a live line (a terminal) or plain lines. */
export interface ProgressView {
  /** True on a terminal: `show` replaces the line, `clear` removes it. */
  readonly live: boolean
  readonly show: (line: string) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}

/** What a layer does with the events: `line` gets each NDJSON line's object, `view` shows the waits. */
export interface Sinks {
  readonly line?: (line: EventLine) => Effect.Effect<void>
  readonly view?: ProgressView
  /** How often the progress of a wait is refreshed (default 1 s; plain lines every `plainEvery`). */
  readonly tick?: Duration.DurationInput
  /** Without a terminal, a progress line every this long (default 10 s); the first after as long. */
  readonly plainEvery?: Duration.DurationInput
}

interface ActiveWait {
  readonly id: number
  readonly spec: WaitSpec
  readonly deadlineMs: number
  readonly started: number
  readonly state: Ref.Ref<string>
  /** When the last wait-progress event of this wait was emitted (state changes are reported at most once a second). */
  readonly reported: Ref.Ref<number>
}

const currentWait = FiberRef.unsafeMake<Option.Option<ActiveWait>>(Option.none())

/** A wait's progress line: `[wait] <what>: 12s of 5m0s; <state>`. */
export const progressLine = (awaiting: string, elapsedMs: number, deadlineMs: number, state: string): string =>
  `[wait] ${awaiting}: ${goDuration(Math.floor(elapsedMs / 1000) * 1000)} of ${goDuration(deadlineMs)}${state === "" ? "" : `; ${state}`}`

/** The service over `sinks`: numbering, time stamps (the Clock), waits and their progress. */
export const make = (sinks: Sinks): Effect.Effect<EventsService> =>
  Effect.gen(function* () {
    const seq = yield* Ref.make(0)
    const ids = yield* Ref.make(0)
    // The innermost running wait owns the live line.
    const stack = yield* Ref.make<ReadonlyArray<number>>([])
    const tick = Duration.decode(sinks.tick ?? "1 second")
    const plainEvery = Duration.toMillis(sinks.plainEvery ?? "10 seconds")
    const view = sinks.view
    const lock = yield* Effect.makeSemaphore(1)

    const emit = (event: JoinEvent): Effect.Effect<void> => {
      const line = sinks.line
      if (line === undefined) return Effect.void
      return lock.withPermits(1)(
        Effect.gen(function* () {
          const n = yield* Ref.updateAndGet(seq, (x) => x + 1)
          const now = yield* Clock.currentTimeMillis
          yield* line({ schema: EVENTS_SCHEMA, seq: n, time: new Date(now).toISOString(), ...event })
        })
      )
    }

    const elapsed = (w: ActiveWait) => Effect.map(Clock.currentTimeMillis, (now) => Math.max(0, now - w.started))
    const lineOf = (w: ActiveWait) =>
      Effect.zipWith(elapsed(w), Ref.get(w.state), (ms, state) =>
        progressLine(w.spec.awaiting, ms, w.deadlineMs, state)
      )
    const isTop = (w: ActiveWait) => Effect.map(Ref.get(stack), (s) => s[s.length - 1] === w.id)
    const redraw = (w: ActiveWait) =>
      view === undefined || !view.live
        ? Effect.void
        : Effect.flatMap(isTop(w), (top) => (top ? Effect.flatMap(lineOf(w), view.show) : Effect.void))

    const progress = (w: ActiveWait) =>
      Effect.gen(function* () {
        yield* Ref.set(w.reported, yield* Clock.currentTimeMillis)
        const ms = yield* elapsed(w)
        yield* emit({
          type: "wait-progress",
          id: w.id,
          awaiting: w.spec.awaiting,
          elapsedMs: ms,
          deadlineMs: w.deadlineMs,
          state: yield* Ref.get(w.state)
        })
      })

    // Every tick: the live line; every plainEvery: a plain line and a wait-progress event.
    const ticker = (w: ActiveWait) =>
      Effect.gen(function* () {
        let next = plainEvery
        for (;;) {
          yield* Effect.sleep(tick)
          yield* redraw(w)
          const ms = yield* elapsed(w)
          if (ms >= next) {
            next += plainEvery
            yield* progress(w)
            if (view !== undefined && !view.live) yield* Effect.flatMap(lineOf(w), view.show)
          }
        }
      })

    const wait = <A, E, R>(spec: WaitSpec, body: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.gen(function* () {
        const id = yield* Ref.updateAndGet(ids, (x) => x + 1)
        const w: ActiveWait = {
          id,
          spec,
          deadlineMs: Duration.toMillis(spec.deadline),
          started: yield* Clock.currentTimeMillis,
          state: yield* Ref.make(""),
          reported: yield* Ref.make(Number.NEGATIVE_INFINITY)
        }
        yield* emit({ type: "wait-start", id, awaiting: spec.awaiting, deadlineMs: w.deadlineMs })
        yield* Ref.update(stack, (s) => [...s, id])
        yield* redraw(w)
        const end = (exit: Exit.Exit<A, E>) =>
          Effect.gen(function* () {
            yield* Ref.update(stack, (s) => s.filter((x) => x !== id))
            const rest = yield* Ref.get(stack)
            if (view?.live === true && rest.length === 0) yield* view.clear
            yield* emit({
              type: "wait-end",
              id,
              awaiting: spec.awaiting,
              elapsedMs: yield* elapsed(w),
              deadlineMs: w.deadlineMs,
              outcome: Exit.isSuccess(exit) ? "done" : Exit.isInterrupted(exit) ? "interrupted" : "failed"
            })
          })
        return yield* Effect.scoped(
          Effect.gen(function* () {
            yield* Effect.forkScoped(ticker(w))
            return yield* Effect.locally(body, currentWait, Option.some(w))
          })
        ).pipe(Effect.onExit(end))
      })

    const observe = (state: string): Effect.Effect<void> =>
      Effect.flatMap(FiberRef.get(currentWait), (current) =>
        Option.match(current, {
          onNone: () => Effect.void,
          onSome: (w) =>
            Effect.gen(function* () {
              const before = yield* Ref.getAndSet(w.state, state)
              if (before === state) return
              // Concurrent polls (the control plane's three components) may alternate states:
              // at most one event a second, the periodic one reports the latest.
              const now = yield* Clock.currentTimeMillis
              if (now - (yield* Ref.get(w.reported)) >= 1000) yield* progress(w)
              yield* redraw(w)
            })
        })
      )

    const aside = <A>(write: Effect.Effect<A>): Effect.Effect<A> => {
      if (view === undefined || !view.live) return write
      const v = view
      return Effect.gen(function* () {
        const top = (yield* Ref.get(stack)).length > 0
        if (top) yield* v.clear
        const a = yield* write
        // The innermost wait's next tick draws the line again.
        return a
      })
    }

    const service: EventsService = { emit, wait, observe, aside }
    return service
  })

/** Events over the given sinks (tests pass a collecting `line` and `view`). */
export const layerWith = (sinks: Sinks): Layer.Layer<Events> => Layer.effect(Events, make(sinks))

/**
 * The live Events for an output format: `json` writes every event as one line on stdout; both
 * show the progress of long waits on stderr (a live line when stderr is a terminal).
 */
export const layer = (format: "text" | "json"): Layer.Layer<Events> =>
  Layer.effect(
    Events,
    make({
      ...(format === "json" ? { line: stdio.ndjsonLine } : {}),
      view: stdio.progressView(process.stderr)
    })
  )

/** Drops every event and shows no progress. */
export const layerSilent: Layer.Layer<Events> = layerWith({})

/** An Events whose methods die unless `partial` gives them. */
export const layerTest = (partial: Partial<EventsService> = {}): Layer.Layer<Events> =>
  Layer.succeed(Events, {
    emit: (event) => Effect.die(`Events.emit(${event.type}) was not expected by this test`),
    wait: (spec) => Effect.die(`Events.wait(${spec.awaiting}) was not expected by this test`),
    observe: (state) => Effect.die(`Events.observe(${state}) was not expected by this test`),
    aside: () => Effect.die("Events.aside was not expected by this test"),
    ...partial
  })

/** Events collecting every line (envelope included) for a test to inspect; `view` optional. */
export const fake = (view?: ProgressView) => {
  const lines: Array<EventLine> = []
  return {
    layer: layerWith({
      line: (l) => Effect.sync(() => void lines.push(l)),
      ...(view === undefined ? {} : { view })
    }),
    lines: lines as ReadonlyArray<EventLine>
  }
}

/** Emits `event` into the Events in the context, if any. */
export const emit = (event: JoinEvent): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(Events),
    Option.match({ onNone: () => Effect.void, onSome: (e) => e.emit(event) })
  )

/** Hook for a wait function: runs `body` as the wait `spec` when an Events is in the context. */
export const awaiting =
  (spec: WaitSpec) =>
  <A, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      Effect.serviceOption(Events),
      Option.match({ onNone: () => body, onSome: (e) => e.wait(spec, body) })
    )

/** Hook for a wait function: what it last saw (`CSR pending approval`), for the wait's progress. */
export const observed = (state: string): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(Events),
    Option.match({ onNone: () => Effect.void, onSome: (e) => e.observe(state) })
  )

/** A terminal progress view on `stream` (log-update): for tests with a fake terminal stream. */
export const ttyView = (stream: NodeJS.WritableStream & { readonly columns?: number }): ProgressView =>
  stdio.ttyView(stream)

/** Plain progress lines on `stream`. */
export const plainView = (stream: NodeJS.WritableStream): ProgressView => stdio.plainView(stream)
