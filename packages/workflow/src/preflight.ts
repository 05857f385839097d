/**
 * Preflight checks as data, and kubeadm's aggregation: every check runs in
 * order, its warnings are always reported, its errors become warnings when the
 * check is ignored, and all remaining errors fail together as ONE error.
 */
import { Data, Effect } from "effect"

/** What one check found. An empty outcome is a pass. */
export interface CheckOutcome {
  readonly warnings: ReadonlyArray<string>
  readonly errors: ReadonlyArray<string>
}

/** The three outcomes a check builds: a pass, warnings only, or errors. */
export const CheckOutcome = {
  pass: { warnings: [], errors: [] } as CheckOutcome,
  warn: (...warnings: ReadonlyArray<string>): CheckOutcome => ({ warnings, errors: [] }),
  fail: (...errors: ReadonlyArray<string>): CheckOutcome => ({ warnings: [], errors })
}

/** `name` is what `--ignore-preflight-errors` matches (case-insensitively), e.g. `Swap`. */
export interface Check<R = never> {
  readonly name: string
  readonly run: Effect.Effect<CheckOutcome, never, R>
}

/** Names a check's effect; the name is what `--ignore-preflight-errors` and the output lines use. */
export const check = <R>(name: string, run: Effect.Effect<CheckOutcome, never, R>): Check<R> => ({ name, run })

/** Lower-cased names to ignore; may contain `all`. */
export type IgnoreSet = ReadonlySet<string>

/** Lower-cases and de-duplicates `--ignore-preflight-errors` values (config values first). */
export const ignoreSet = (values: Iterable<string>): IgnoreSet => {
  const out = new Set<string>()
  for (const v of values) {
    const name = v.trim().toLowerCase()
    if (name !== "") out.add(name)
  }
  return out
}

/** The set's names sorted, as kubeadm writes them back into the config. */
export const sortedIgnoreNames = (set: IgnoreSet): ReadonlyArray<string> => [...set].sort()

/**
 * True when `all` is mixed with individual names, which kubeadm rejects with
 * `ignore-preflight-errors: Invalid value: "<sortedIgnoreNames joined by ,>": don't specify individual checks if 'all' is used`.
 */
export const mixesAll = (set: IgnoreSet): boolean => set.has("all") && set.size > 1

/** Whether a check's errors are downgraded to warnings: `all`, or its name in any case. */
export const isIgnored = (set: IgnoreSet, name: string): boolean => set.has("all") || set.has(name.toLowerCase())

/** kubeadm's `[WARNING Name]: message` line, without the printer's leading TAB. */
export const warningLine = (name: string, message: string): string => `[WARNING ${name}]: ${message}`
/** kubeadm's `[ERROR Name]: message` line, without the leading TAB. */
export const errorLine = (name: string, message: string): string => `[ERROR ${name}]: ${message}`

/** One error of a check that was not ignored: what PreflightError lists. */
export interface CheckFailure {
  readonly name: string
  readonly message: string
}

/** Every non-ignored failing check, in check order. */
export class PreflightError extends Data.TaggedError("PreflightError")<{
  readonly failures: ReadonlyArray<CheckFailure>
}> {
  /** The `[ERROR Name]: message` lines, without the leading TAB. */
  get lines(): ReadonlyArray<string> {
    return this.failures.map((f) => errorLine(f.name, f.message))
  }
  // kubeadm v1.15 text: the lines are TAB-indented between the two fixed sentences.
  override get message(): string {
    return [
      "[preflight] Some fatal errors occurred:",
      ...this.lines.map((l) => `\t${l}`),
      "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`"
    ].join("\n")
  }
}

/**
 * Runs `checks` in order. Warnings (the checks' own and ignored errors) are
 * passed to `onWarning` as they appear and returned, formatted
 * `[WARNING Name]: message` (no leading TAB; the printer adds kubeadm's TAB).
 */
export const runChecks = <R, R2 = never>(
  checks: ReadonlyArray<Check<R>>,
  ignore: IgnoreSet,
  onWarning: (line: string) => Effect.Effect<void, never, R2> = () => Effect.void
): Effect.Effect<{ readonly warnings: ReadonlyArray<string> }, PreflightError, R | R2> =>
  Effect.gen(function* () {
    const warnings: Array<string> = []
    const failures: Array<CheckFailure> = []
    for (const c of checks) {
      const outcome = yield* c.run
      const ignored = isIgnored(ignore, c.name)
      for (const message of ignored ? [...outcome.warnings, ...outcome.errors] : outcome.warnings) {
        const line = warningLine(c.name, message)
        warnings.push(line)
        yield* onWarning(line)
      }
      if (!ignored) for (const message of outcome.errors) failures.push({ name: c.name, message })
    }
    if (failures.length > 0) return yield* new PreflightError({ failures })
    return { warnings }
  })
