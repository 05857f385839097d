/**
 * A phase tree as plain data. A phase's service requirements (R) and typed
 * errors (E) live in its type; a parent's type is the union of its own and its
 * children's, so a workflow states everything its run needs.
 */
import type { Effect } from "effect"

/** Run the phase (and its subtree) only when `when` yields true; otherwise report `reason`. */
export interface Condition<R, E> {
  readonly when: Effect.Effect<boolean, E, R>
  readonly reason: string
}

/** One node of the phase tree: R and E cover its own run and condition and all of its children. */
export interface Phase<R = never, E = never> {
  /** Short name, unique among its siblings (e.g. `certs`); full names join with `/`. */
  readonly name: string
  /** One line for the help table. */
  readonly description: string
  /** The phase's own work; parents usually have none. */
  readonly run?: Effect.Effect<void, E, R>
  readonly children: ReadonlyArray<Phase<R, E>>
  readonly condition?: Condition<R, E>
  /** Not listed in help (still runs, still skippable). */
  readonly hidden?: boolean
  /** Set by `skip`: the runner reports the phase as skipped and never runs it. */
  readonly skipped?: { readonly reason: string }
}

/** The requirements of a phase (or a union of phases). */
export type PhaseContext<P> = P extends Phase<infer R, unknown> ? R : never
/** The typed errors of a phase (or a union of phases). */
export type PhaseError<P> = P extends Phase<unknown, infer E> ? E : never

/**
 * Builds a phase; R and E are inferred as the union over `run`, `condition`
 * and `children`. The result is `NoInfer` because a phase written inline in a
 * parent's `children` would otherwise take its R and E from the parent's
 * constraint (unknown) instead of from its own run and condition.
 */
export const phase = <
  RRun = never,
  ERun = never,
  RCond = never,
  ECond = never,
  const Children extends ReadonlyArray<Phase<unknown, unknown>> = readonly []
>(spec: {
  readonly name: string
  readonly description: string
  readonly run?: Effect.Effect<void, ERun, RRun>
  readonly children?: Children
  readonly condition?: Condition<RCond, ECond>
  readonly hidden?: boolean
}): NoInfer<Phase<RRun | RCond | PhaseContext<Children[number]>, ERun | ECond | PhaseError<Children[number]>>> => {
  type R = RRun | RCond | PhaseContext<Children[number]>
  type E = ERun | ECond | PhaseError<Children[number]>
  return {
    name: spec.name,
    description: spec.description,
    children: (spec.children ?? []) as ReadonlyArray<Phase<R, E>>,
    ...(spec.run !== undefined ? { run: spec.run } : {}),
    ...(spec.condition !== undefined ? { condition: spec.condition } : {}),
    ...(spec.hidden !== undefined ? { hidden: spec.hidden } : {})
  }
}

/**
 * An ordered list of top-level phases. `prefix` is the full name of the parent
 * of `phases` when the workflow is a selected subtree (see `only`), so full
 * names stay `control-plane-prepare/certs` even when only `certs` runs.
 */
export interface Workflow<R = never, E = never> {
  readonly phases: ReadonlyArray<Phase<R, E>>
  readonly prefix?: string
}

/** Builds a workflow from its top-level phases; R and E are the unions over all of them. */
export const workflow = <const Phases extends ReadonlyArray<Phase<unknown, unknown>>>(
  ...phases: Phases
): Workflow<PhaseContext<Phases[number]>, PhaseError<Phases[number]>> => ({
  phases: phases as ReadonlyArray<Phase<PhaseContext<Phases[number]>, PhaseError<Phases[number]>>>
})

/** `parent/child` */
export const joinName = (prefix: string | undefined, name: string): string =>
  prefix === undefined || prefix === "" ? name : `${prefix}/${name}`

/** One row per phase, in tree (run) order. */
export interface PlanEntry {
  readonly fullName: string
  readonly depth: number
  readonly description: string
  readonly hidden: boolean
  readonly skipped: string | undefined
}

/** The flattened tree, parents before children: what help prints and what tests compare. */
export const plan = <R, E>(w: Workflow<R, E>): ReadonlyArray<PlanEntry> => {
  const out: Array<PlanEntry> = []
  const walk = (phases: ReadonlyArray<Phase<R, E>>, prefix: string | undefined, depth: number): void => {
    for (const p of phases) {
      const fullName = joinName(prefix, p.name)
      out.push({ fullName, depth, description: p.description, hidden: p.hidden === true, skipped: p.skipped?.reason })
      walk(p.children, fullName, depth + 1)
    }
  }
  walk(w.phases, w.prefix, 0)
  return out
}

/** Every full name (`parent/child`), in tree order, hidden ones included. */
export const fullNames = <R, E>(w: Workflow<R, E>): ReadonlyArray<string> => plan(w).map((e) => e.fullName)
