/**
 * Pure functions from workflow to workflow. Each takes full phase names
 * (`parent/child`, exact and case-sensitive, hidden phases included) and
 * returns `Either.left(UnknownPhaseError)` for a name that does not exist.
 * The results are `Either`s, so `yield*` them inside `Effect.gen`.
 */
import { Duration, Effect, Either, Schedule } from "effect"
import { PhaseTimeoutError, UnknownPhaseError } from "./errors.js"
import { fullNames, joinName, type Phase, type Workflow } from "./phase.js"

/** The reason `skip` records when none is given: kubeadm's wording for `--skip-phases`. */
export const skippedByFlagReason = "skipped by --skip-phases"

const unknown = <R, E>(w: Workflow<R, E>, name: string): UnknownPhaseError =>
  new UnknownPhaseError({ name, valid: fullNames(w) })

const withPhases = <R, E>(w: Pick<Workflow, "prefix">, phases: ReadonlyArray<Phase<R, E>>): Workflow<R, E> =>
  w.prefix === undefined ? { phases } : { phases, prefix: w.prefix }

/**
 * Marks the named phases and their whole subtrees as skipped. A phase that is
 * already skipped keeps its first reason, so skip is idempotent and
 * order-independent.
 */
export const skip =
  (names: Iterable<string>, reason: string = skippedByFlagReason) =>
  <R, E>(w: Workflow<R, E>): Either.Either<Workflow<R, E>, UnknownPhaseError> => {
    const wanted = new Set(names)
    const valid = new Set(fullNames(w))
    for (const name of wanted) if (!valid.has(name)) return Either.left(unknown(w, name))
    const mark = (p: Phase<R, E>, prefix: string | undefined, inherited: string | undefined): Phase<R, E> => {
      const fullName = joinName(prefix, p.name)
      const why = p.skipped?.reason ?? inherited ?? (wanted.has(fullName) ? reason : undefined)
      const children = p.children.map((c) => mark(c, fullName, why))
      return why === undefined ? { ...p, children } : { ...p, children, skipped: { reason: why } }
    }
    return Either.right(
      withPhases(
        w,
        w.phases.map((p) => mark(p, w.prefix, undefined))
      )
    )
  }

/**
 * What `join phase <name>` runs: the named phase and its subtree, nothing
 * else (its ancestors and their conditions are not run). Full names are kept.
 */
export const only =
  (name: string) =>
  <R, E>(w: Workflow<R, E>): Either.Either<Workflow<R, E>, UnknownPhaseError> => {
    const find = (phases: ReadonlyArray<Phase<R, E>>, prefix: string | undefined): Workflow<R, E> | undefined => {
      for (const p of phases) {
        const fullName = joinName(prefix, p.name)
        if (fullName === name) return prefix === undefined ? { phases: [p] } : { phases: [p], prefix }
        const found = find(p.children, fullName)
        if (found !== undefined) return found
      }
      return undefined
    }
    const found = find(w.phases, w.prefix)
    return found === undefined ? Either.left(unknown(w, name)) : Either.right(found)
  }

/** Replaces one phase (found by full name) with `f(phase, fullName)`. */
export const modify =
  <R, E, R2, E2>(name: string, f: (p: Phase<R, E>, fullName: string) => Phase<R2, E2>) =>
  (w: Workflow<R, E>): Either.Either<Workflow<R | R2, E | E2>, UnknownPhaseError> => {
    if (!fullNames(w).includes(name)) return Either.left(unknown(w, name))
    const walk = (p: Phase<R, E>, prefix: string | undefined): Phase<R | R2, E | E2> => {
      const fullName = joinName(prefix, p.name)
      if (fullName === name) return f(p, fullName)
      return { ...p, children: p.children.map((c) => walk(c, fullName)) }
    }
    return Either.right(
      withPhases(
        w,
        w.phases.map((p) => walk(p, w.prefix))
      )
    )
  }

/**
 * Retries the named phase's own run (not its children, not its condition)
 * with `schedule`; when the schedule gives up, the last error is the failure.
 * E.g. `Schedule.recurs(n)` allows n retries, n + 1 attempts.
 */
export const retry =
  <Out, R2>(name: string, schedule: Schedule.Schedule<Out, unknown, R2>) =>
  <R, E>(w: Workflow<R, E>): Either.Either<Workflow<R | R2, E>, UnknownPhaseError> =>
    modify<R, E, R | R2, E>(name, (p) => (p.run === undefined ? p : { ...p, run: Effect.retry(p.run, schedule) }))(w)

/** Fails the named phase's own run with `PhaseTimeoutError` once it takes longer than `duration` (saying what it was `awaiting`). */
export const timeout =
  (name: string, duration: Duration.DurationInput, awaiting?: string) =>
  <R, E>(w: Workflow<R, E>): Either.Either<Workflow<R, E | PhaseTimeoutError>, UnknownPhaseError> =>
    modify<R, E, R, E | PhaseTimeoutError>(name, (p, fullName) =>
      p.run === undefined
        ? p
        : {
            ...p,
            run: Effect.timeoutFail(p.run, {
              duration,
              onTimeout: () =>
                new PhaseTimeoutError({
                  phase: fullName,
                  duration: Duration.decode(duration),
                  ...(awaiting !== undefined ? { awaiting } : {})
                })
            })
          }
    )(w)
