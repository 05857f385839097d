/**
 * @kubeadm-ts/workflow — the phase algebra (no Kubernetes in here).
 *
 * Phases (phase.ts)
 *   phase({ name, description, run?, children?, condition?: { when, reason }, hidden? }): Phase<R, E>
 *     R / E are the unions over run, condition and children.
 *   workflow(...phases): Workflow<R, E>          { phases, prefix? }
 *   fullNames(w): string[]                       `parent/child`, tree order, hidden included
 *   plan(w): PlanEntry[]                         { fullName, depth, description, hidden, skipped }
 *
 * Runner (runner.ts)
 *   run(w): Effect<void, PhaseFailed<E>, R | PhaseReporter>
 *     parents before children, in order; skipped phase or false condition => Skipped event
 *     for it and its subtree; otherwise Started, run, Succeeded(duration via Clock) or
 *     Failed(typed error) and stop. Condition errors fail the phase the same way.
 *   PhaseReporter (tag), PhaseEvent (Started | Skipped | Succeeded | Failed),
 *   silentReporter, collectingReporter(ref)
 *
 * Combinators (combinators.ts), pure, full names exact and case-sensitive,
 * all return Either<Workflow, UnknownPhaseError> (yield* them in Effect.gen):
 *   skip(names, reason = "skipped by --skip-phases")  marks the phases and their subtrees
 *   only(name)       the subtree of `name` only (what `join phase <name>` runs; ancestors
 *                    and their conditions do not run; full names are kept via `prefix`).
 *                    `join phase <parent> all` should map to only("<parent>").
 *   retry(name, schedule)      retries the phase's own run; last error on give-up
 *   timeout(name, duration)    adds PhaseTimeoutError to E
 *   modify(name, f)            the general form
 *
 * Errors (errors.ts): `message` is the user-facing text.
 *   PhaseFailed<E> { phase, cause }   "error execution phase <full name>: <cause message>"
 *   UnknownPhaseError { name, valid } "invalid phase name: <name> (valid phase names: a, b/c, ...)"
 *   PhaseTimeoutError { phase, duration } "phase <name> timed out after <duration>"
 *
 * Preflight (preflight.ts)
 *   Check<R> { name, run: Effect<CheckOutcome, never, R> }, check(name, run)
 *   CheckOutcome { warnings, errors }, CheckOutcome.pass / warn(...) / fail(...)
 *   ignoreSet(values): IgnoreSet (lower-cased), isIgnored, mixesAll, sortedIgnoreNames
 *   runChecks(checks, ignore, onWarning?): Effect<{ warnings }, PreflightError, R>
 *     warnings are "[WARNING Name]: msg" (no TAB); PreflightError.message is kubeadm's block:
 *     "[preflight] Some fatal errors occurred:\n\t[ERROR Name]: msg\n...[preflight] If you know
 *     what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`"
 */
export * from "./combinators.js"
export * from "./errors.js"
export * from "./phase.js"
export * from "./preflight.js"
export * from "./reporter.js"
export * from "./runner.js"
