/** The CLI's phase list is the join workflow's tree; the CLI adds each phase's command line. */
import { fullNames, plan } from "@kubeadm-ts/workflow"
import { joinWorkflow } from "@kubeadm-ts/join"
import { describe, expect, it } from "vitest"
import { joinPhases, phaseFlags, phaseFullNames } from "../src/phase-list.js"

describe("phase list", () => {
  it("has the same full names, order, descriptions and hidden flags as the join workflow", () => {
    expect(phaseFullNames()).toEqual(fullNames(joinWorkflow))
    const mine = joinPhases.flatMap((p) => [
      { fullName: p.name, description: p.description, hidden: p.hidden === true },
      ...(p.children ?? []).map((c) => ({
        fullName: `${p.name}/${c.name}`,
        description: c.description,
        hidden: c.hidden === true
      }))
    ])
    expect(mine).toEqual(
      plan(joinWorkflow).map(({ fullName, description, hidden }) => ({ fullName, description, hidden }))
    )
  })

  it("gives every phase that runs on its own its flags, and names no other phase", () => {
    const leaves = joinPhases.flatMap((p) =>
      p.children === undefined ? [p.name] : p.children.map((c) => `${p.name}/${c.name}`)
    )
    expect(Object.keys(phaseFlags).sort()).toEqual([...leaves].sort())
  })
})
