import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Ref } from "effect"
import { fullNames, plan, skip, type Workflow } from "../src/index.js"
import { build, shapeNames, treeWithName, treeWithNames, type Shape } from "./arbitraries.js"

const wf = (t: ReadonlyArray<Shape>): Workflow => build(t, Ref.unsafeMake<ReadonlyArray<string>>([]))

/** skip must succeed for known names; the plan (names + skip reasons) is what we compare. */
const skipped = (names: Iterable<string>, w: Workflow) => Either.getOrThrow(skip(names)(w))

describe("skip laws", () => {
  it.prop("is idempotent", [treeWithNames], ([[t, names]]) => {
    const once = skipped(names, wf(t))
    expect(plan(skipped(names, once))).toEqual(plan(once))
  })

  it.prop(
    "is order-independent",
    [
      treeWithNames.chain(([t, a]) => fc.tuple(fc.constant(t), fc.constant(a), fc.shuffledSubarray([...shapeNames(t)])))
    ],
    ([[t, a, b]]) => {
      const w = wf(t)
      expect(plan(skipped([...a].reverse(), w))).toEqual(plan(skipped(a, w)))
      expect(plan(skipped(b, skipped(a, w)))).toEqual(plan(skipped(a, skipped(b, w))))
    }
  )

  it.prop(
    "skip(a) then skip(b) equals skip(a ∪ b)",
    [
      treeWithNames.chain(([t, a]) => fc.tuple(fc.constant(t), fc.constant(a), fc.shuffledSubarray([...shapeNames(t)])))
    ],
    ([[t, a, b]]) => {
      const w = wf(t)
      expect(plan(skipped(b, skipped(a, w)))).toEqual(plan(skipped(new Set([...a, ...b]), w)))
    }
  )

  it.prop("skipping a parent equals skipping it and all its descendants", [treeWithName], ([[t, x]]) => {
    const w = wf(t)
    const descendants = fullNames(w).filter((n) => n.startsWith(`${x}/`))
    const viaParent = plan(skipped([x], w))
    expect(viaParent).toEqual(plan(skipped([x, ...descendants], w)))
    // and the whole subtree is marked, nothing else
    for (const e of viaParent) {
      expect(e.skipped !== undefined).toBe(e.fullName === x || e.fullName.startsWith(`${x}/`))
    }
  })

  it.prop("an unknown name is an UnknownPhaseError listing the valid names", [treeWithName], ([[t, x]]) => {
    const w = wf(t)
    // Case-sensitive: an upper-cased name that is not itself a phase is unknown.
    const wrong = x.toUpperCase()
    const result = skip([wrong])(w)
    if (fullNames(w).includes(wrong)) {
      expect(Either.isRight(result)).toBe(true)
    } else {
      const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined))
      expect(error?._tag).toBe("UnknownPhaseError")
      expect(error?.name).toBe(wrong)
      expect(error?.valid).toEqual(fullNames(w))
    }
  })

  it("the reason shown is the --skip-phases one by default", () => {
    const w = wf([{ name: "preflight", condition: undefined, children: [] }])
    expect(plan(skipped(["preflight"], w))[0]?.skipped).toBe("skipped by --skip-phases")
  })
})
