/**
 * Random phase trees for the property tests. A Shape is the tree without
 * effects; `build` turns it into a workflow whose phases append their full
 * name to a trace when they run, so tests can see what ran and in what order.
 */
import { Effect, FastCheck as fc, Ref } from "effect"
import { joinName, type Phase, type Workflow } from "../src/index.js"

export interface Shape {
  readonly name: string
  /** false: the phase has a condition that yields false. */
  readonly condition: boolean | undefined
  readonly children: ReadonlyArray<Shape>
}

const levelNames = ["prep", "certs", "all", "etcd", "Certs"] as const

/** Up to `depth` levels, up to 3 phases per level, names unique per level (case matters). */
export const shapes = (depth: number): fc.Arbitrary<ReadonlyArray<Shape>> =>
  fc
    .uniqueArray(fc.constantFrom(...levelNames), { maxLength: 3 })
    .chain((names) =>
      fc
        .tuple(
          fc.array(fc.constantFrom(undefined, true, false), { minLength: names.length, maxLength: names.length }),
          depth === 0
            ? fc.constant(names.map((): ReadonlyArray<Shape> => []))
            : fc.array(shapes(depth - 1), { minLength: names.length, maxLength: names.length })
        )
        .map(([conds, kids]) => names.map((name, i) => ({ name, condition: conds[i], children: kids[i] ?? [] })))
    )

/** A tree with at least one phase. */
export const tree: fc.Arbitrary<ReadonlyArray<Shape>> = shapes(3).filter((s) => s.length > 0)

/** Full names in tree order. */
export const shapeNames = (ss: ReadonlyArray<Shape>, prefix?: string): ReadonlyArray<string> =>
  ss.flatMap((s) => [joinName(prefix, s.name), ...shapeNames(s.children, joinName(prefix, s.name))])

/** A tree together with a random subset of its full names. */
export const treeWithNames: fc.Arbitrary<readonly [ReadonlyArray<Shape>, ReadonlyArray<string>]> = tree.chain((t) =>
  fc.tuple(fc.constant(t), fc.shuffledSubarray([...shapeNames(t)]))
)

/** A tree together with one of its full names. */
export const treeWithName: fc.Arbitrary<readonly [ReadonlyArray<Shape>, string]> = tree.chain((t) =>
  fc.tuple(fc.constant(t), fc.constantFrom(...shapeNames(t)))
)

export const build = (ss: ReadonlyArray<Shape>, trace: Ref.Ref<ReadonlyArray<string>>): Workflow => {
  const toPhase = (s: Shape, prefix: string | undefined): Phase => {
    const fullName = joinName(prefix, s.name)
    return {
      name: s.name,
      description: `the ${fullName} phase`,
      run: Ref.update(trace, (t) => [...t, fullName]),
      children: s.children.map((c) => toPhase(c, fullName)),
      ...(s.condition === undefined
        ? {}
        : { condition: { when: Effect.succeed(s.condition), reason: `${fullName} not wanted` } })
    }
  }
  return { phases: ss.map((s) => toPhase(s, undefined)) }
}

/** What should run: tree order, minus skipped names, false conditions and their subtrees. */
export const expectedRun = (
  ss: ReadonlyArray<Shape>,
  skipped: ReadonlySet<string>,
  prefix?: string
): ReadonlyArray<string> =>
  ss.flatMap((s) => {
    const fullName = joinName(prefix, s.name)
    if (skipped.has(fullName) || s.condition === false) return []
    return [fullName, ...expectedRun(s.children, skipped, fullName)]
  })

/** The subtree rooted at `name`, with the prefix of its parent. */
export const subtree = (
  ss: ReadonlyArray<Shape>,
  name: string,
  prefix?: string
): { readonly shape: Shape; readonly prefix: string | undefined } | undefined => {
  for (const s of ss) {
    const fullName = joinName(prefix, s.name)
    if (fullName === name) return { shape: s, prefix }
    const found = subtree(s.children, name, fullName)
    if (found !== undefined) return found
  }
  return undefined
}
