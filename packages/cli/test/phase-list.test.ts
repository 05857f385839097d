/** The CLI's static phase list (used for help without loading the phases) matches the real tree. */
import { fullNames, plan } from "@kubeadm-ts/workflow"
import { joinWorkflow } from "@kubeadm-ts/join/join-workflow"
import { describe, expect, it } from "vitest"
import { joinPhases, phaseFullNames } from "../src/phase-list.js"

describe("phase list", () => {
  it("has the same full names, order, descriptions and hidden flags as the join workflow", () => {
    expect(phaseFullNames()).toEqual(fullNames(joinWorkflow))
    const mine = joinPhases.flatMap((p) => [
      { fullName: p.name, description: p.description, hidden: p.hidden === true },
      ...(p.children ?? []).map((c) => ({ fullName: `${p.name}/${c.name}`, description: c.description, hidden: c.hidden === true }))
    ])
    expect(mine).toEqual(plan(joinWorkflow).map(({ fullName, description, hidden }) => ({ fullName, description, hidden })))
  })
})
