/**
 * The error reasons tools branch on stay documented: every error family declared in the
 * sources (join and workflow) is in the reasons table, a family with a `reason` field declares
 * its reasons as a const array the table covers exactly, and the README's table lists the
 * same rows, no more, no fewer.
 */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { declaredReasons, errorReasons, otherFailures, singleReasons } from "../src/events/reasons.js"

const repo = fileURLToPath(new URL("../../..", import.meta.url))

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name))

/** Each exported `Data.TaggedError` family of the sources, and whether its fields have a `reason`. */
const families = () => {
  const found = new Map<string, { readonly file: string; readonly hasReason: boolean }>()
  for (const file of [...sources(join(repo, "packages/join/src")), ...sources(join(repo, "packages/workflow/src"))]) {
    const text = readFileSync(file, "utf8")
    for (const m of text.matchAll(/export class (\w+)(?:<[^>]*>)? extends Data\.TaggedError\("(\w+)"\)<([^>]*?)>/gs)) {
      const [, , tag, fields] = m
      if (tag === undefined) continue
      // A named fields interface (ConfigError's) is looked up in the same file.
      const body = /^\s*\w+\s*$/.test(fields ?? "")
        ? (new RegExp(`interface ${(fields ?? "").trim()} \\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1] ?? "")
        : (fields ?? "")
      found.set(tag, { file: file.slice(repo.length), hasReason: /readonly reason\??:/.test(body) })
    }
  }
  return found
}

const readmeRows = () => {
  const readme = readFileSync(join(repo, "README.md"), "utf8")
  return new Set([...readme.matchAll(/^\| `(\w+)` \| `(\w+)` \|/gm)].map((m) => `${m[1]}/${m[2]}`))
}

describe("error reasons", () => {
  it("every error family of the sources is in the table (PhaseFailed is unwrapped to its phase's error)", () => {
    const found = families()
    expect(found.size).toBeGreaterThan(15)
    for (const [tag, { file }] of found) {
      if (tag === "PhaseFailed") continue
      expect(Object.keys(errorReasons), `${tag} (${file}) is not in events/reasons.ts`).toContain(tag)
    }
  })

  it("a family with a reason field declares its reasons (a const array) and the table has exactly those", () => {
    for (const [tag, { file, hasReason }] of families()) {
      if (tag === "PhaseFailed") continue
      if (hasReason) expect(Object.keys(declaredReasons), `${tag} (${file}) has a reason field`).toContain(tag)
      else expect(Object.keys(singleReasons), `${tag} (${file}) has no reason field`).toContain(tag)
    }
    for (const [family, reasons] of Object.entries(declaredReasons)) {
      const documented = Object.keys((errorReasons as Record<string, object>)[family] ?? {})
      expect(documented.sort(), family).toEqual([...reasons].sort())
    }
  })

  it("the README's table lists every family and reason, and nothing else", () => {
    const expected = new Set([
      ...Object.entries(errorReasons).flatMap(([family, reasons]) => Object.keys(reasons).map((r) => `${family}/${r}`)),
      ...Object.keys(otherFailures).map((r) => `${r}/${r}`)
    ])
    const rows = readmeRows()
    expect(
      [...expected].filter((r) => !rows.has(r)),
      "missing from README.md"
    ).toEqual([])
    expect(
      [...rows].filter((r) => !expected.has(r)),
      "in README.md but not in the code"
    ).toEqual([])
  })
})
