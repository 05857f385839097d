/** Field and label selectors, reduced to the forms clients send: `a=b`, `a==b`, `a!=b`, `a`, `!a`, joined by commas. */
import type { KubeObject } from "./store.js"

type Term = { key: string; op: "=" | "!=" | "exists" | "!exists"; value: string }

const parse = (selector: string | null): Term[] =>
  (selector ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s): Term => {
      const notEqual = /^([^!=]+)!=(.*)$/.exec(s)
      if (notEqual) {
        const [, key = "", value = ""] = notEqual
        return { key: key.trim(), op: "!=", value: value.trim() }
      }
      const equal = /^([^!=]+)==?(.*)$/.exec(s)
      if (equal) {
        const [, key = "", value = ""] = equal
        return { key: key.trim(), op: "=", value: value.trim() }
      }
      if (s.startsWith("!")) return { key: s.slice(1).trim(), op: "!exists", value: "" }
      return { key: s, op: "exists", value: "" }
    })

const holds = (t: Term, v: string | undefined): boolean =>
  t.op === "=" ? v === t.value : t.op === "!=" ? v !== t.value : t.op === "exists" ? v !== undefined : v === undefined

const field = (o: KubeObject, path: string): string | undefined => {
  let cur: unknown = o
  for (const p of path.split("."))
    cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[p] : undefined
  // a selector on a map or list compares its JSON (which no selector value equals)
  return cur === undefined || cur === null ? undefined : typeof cur === "string" ? cur : JSON.stringify(cur)
}

/** A predicate for list and watch: every field term and every label term holds (missing selectors match all). */
export const selectorMatcher = (fieldSelector: string | null, labelSelector: string | null) => {
  const fields = parse(fieldSelector)
  const labels = parse(labelSelector)
  return (o: KubeObject): boolean =>
    fields.every((t) => holds(t, field(o, t.key))) && labels.every((t) => holds(t, o.metadata.labels?.[t.key]))
}
