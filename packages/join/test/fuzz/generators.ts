/**
 * Structure-aware generators: valid documents mutated at random paths (wrong types, huge
 * numbers, unicode, deep nesting, keys removed or added), written as YAML, JSON or flow YAML,
 * then bent at the text level (aliases and anchors, duplicate keys, extra documents, cuts).
 */
import fc from "fast-check"
import * as YAML from "yaml"

/** A JSON-like value. */
export type Doc = null | boolean | number | string | Doc[] | { [k: string]: Doc }

const nasty = [
  "",
  " ",
  "abcdef.0123456789abcdef",
  "sha256:" + "ab".repeat(32),
  "a".repeat(64),
  "10.0.0.1:6443",
  "[::1]:6443",
  "::ffff:10.0.0.1",
  "-1",
  "1e309",
  "0x10",
  "4m0s",
  "-1s",
  "9223372036854775807h",
  "1.5e308s",
  "null",
  "~",
  "true",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "\u0000",
  "\uFEFF",
  "\uD800",
  "💥🚀",
  "ǅ",
  "line\nbreak",
  "tab\there",
  "&anchor",
  "*alias",
  "!!binary",
  "%TAG",
  "---",
  "...",
  "/etc/kubernetes/pki/ca.crt",
  "../../../../etc/shadow",
  "unix:///var/run/containerd/containerd.sock",
  "NoSchedule",
  "x".repeat(5000)
]

/** Scalars worth trying in any field. */
export const leaf: fc.Arbitrary<Doc> = fc.oneof(
  fc.constantFrom<Doc>(...nasty),
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.integer(),
  fc.constantFrom<Doc>(
    0,
    -1,
    65535,
    65536,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 53,
    2 ** 63,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    1e308,
    -1e308,
    0.5
  ),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null)
)

/** Any value, a few levels deep. */
export const junk: fc.Arbitrary<Doc> = fc.letrec<{ v: Doc }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...nasty)), tie("v"), { maxKeys: 4 })
  )
})).v

/** `[[[...]]]` or `{a: {a: ...}}` n levels deep. */
export const nested = (depth: number, map: boolean): Doc => {
  let v: Doc = "bottom"
  for (let i = 0; i < depth; i++) v = map ? { a: v } : [v]
  return v
}

const deep = fc.tuple(fc.integer({ min: 20, max: 300 }), fc.boolean()).map(([n, map]) => nested(n, map))

/** One change at a path of a document. */
export type Mutation =
  | { readonly op: "replace"; readonly at: number; readonly value: Doc }
  | { readonly op: "delete"; readonly at: number }
  | { readonly op: "add"; readonly at: number; readonly key: string; readonly value: Doc }
  | { readonly op: "wrap"; readonly at: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: junk }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: deep }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      at: fc.nat(),
      key: fc.oneof(fc.string(), fc.constantFrom(...nasty)),
      value: junk
    })
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("wrap" as const), at: fc.nat() }) }
)

type Path = ReadonlyArray<string | number>

/** The paths of a document, down to 16 levels (deeply nested values are mutated as a whole). */
const paths = (doc: Doc): Array<Path> => {
  const out: Array<Path> = []
  const stack: Array<[Doc, Path]> = [[doc, []]]
  while (stack.length > 0) {
    const [v, at] = stack.pop() ?? [null, []]
    out.push(at)
    if (at.length >= 16) continue
    if (Array.isArray(v)) v.forEach((c, i) => stack.push([c, [...at, i]]))
    else if (v !== null && typeof v === "object") for (const [k, c] of Object.entries(v)) stack.push([c, [...at, k]])
  }
  return out
}

const clone = (doc: Doc): Doc => JSON.parse(JSON.stringify(doc)) as Doc

/** Applies one mutation to a copy of `doc` (paths are taken modulo the document's own). */
export const mutate = (doc: Doc, m: Mutation): Doc => {
  const all = paths(doc)
  const path = all[m.at % all.length] ?? []
  const root = clone(doc)
  if (path.length === 0) {
    if (m.op === "replace") return m.value
    if (m.op === "wrap") return [root]
    if (m.op === "add" && root !== null && typeof root === "object" && !Array.isArray(root))
      return Object.defineProperty(root, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true
      })
    return root
  }
  let parent: Doc = root
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Doc>)[key] ?? null
  const last = path[path.length - 1] ?? 0
  const p = parent as Record<string | number, Doc>
  switch (m.op) {
    case "replace":
      Object.defineProperty(p, last, { value: m.value, enumerable: true, writable: true, configurable: true })
      break
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else Reflect.deleteProperty(p, last)
      break
    case "wrap":
      p[last] = [p[last] ?? null]
      break
    case "add": {
      const target = p[last]
      if (target !== null && typeof target === "object" && !Array.isArray(target))
        Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true })
      else if (Array.isArray(target)) target.push(m.value)
      else p[last] = { [m.key]: m.value }
    }
  }
  return root
}

/** A text-level change to a written document. */
export type TextEdit =
  | { readonly op: "none" }
  | { readonly op: "cut"; readonly at: number }
  | { readonly op: "insert"; readonly at: number; readonly text: string }
  | { readonly op: "anchorAlias" }
  | { readonly op: "danglingAlias" }
  | { readonly op: "aliasBomb"; readonly levels: number }
  | { readonly op: "duplicateKey"; readonly line: number }
  | { readonly op: "documents"; readonly before: string; readonly after: string }
  | { readonly op: "crlf" }
  | { readonly op: "bom" }

const fragments = fc.constantFrom(
  ":",
  ": ",
  "- ",
  "\t",
  "\n",
  "\r",
  "'",
  '"',
  "{",
  "}",
  "[",
  "]",
  "&a ",
  "*a",
  "!!str ",
  "!!int ",
  "!!map ",
  "!!binary ",
  "!foo ",
  "? ",
  "|",
  ">",
  "#",
  "%YAML 1.2\n---\n",
  "<<: ",
  "\u0000",
  "\uFEFF",
  "\uD83D",
  "---\n",
  "...\n"
)

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: "none" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("cut" as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("insert" as const),
      at: fc.nat(),
      text: fc.oneof(fragments, fc.string({ maxLength: 8 }))
    })
  },
  { weight: 1, arbitrary: fc.constant({ op: "anchorAlias" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "danglingAlias" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("aliasBomb" as const), levels: fc.integer({ min: 2, max: 9 }) })
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("duplicateKey" as const), line: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("documents" as const),
      before: fc.constantFrom("", "kind: X\napiVersion: v1\n", "{}\n", "- a\n", "null\n", "kind: JoinConfiguration\n"),
      after: fc.constantFrom("", "kind: X\napiVersion: v1\n", "[]\n", "junk: [\n", "kind: JoinConfiguration\n")
    })
  },
  { weight: 1, arbitrary: fc.constant({ op: "crlf" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "bom" as const }) }
)

const bomb = (levels: number): string => {
  let y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
  for (let i = 1; i < levels; i++)
    y += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(", ")}]\n`
  return y
}

/** Applies a text edit (offsets taken modulo the text's length). */
export const edit = (text: string, e: TextEdit): string => {
  const at = (n: number) => (text.length === 0 ? 0 : n % (text.length + 1))
  switch (e.op) {
    case "none":
      return text
    case "cut":
      return text.slice(0, at(e.at))
    case "insert":
      return text.slice(0, at(e.at)) + e.text + text.slice(at(e.at))
    case "anchorAlias":
      return text.replace(/^(\w+): (.+)$/m, "$1: &x $2\nalias$1: *x")
    case "danglingAlias":
      return text.replace(/^(\w+): (.+)$/m, "$1: *nowhere")
    case "aliasBomb":
      return bomb(e.levels) + text
    case "duplicateKey": {
      const lines = text.split("\n")
      const line = lines[e.line % Math.max(lines.length, 1)] ?? ""
      return `${text}\n${line}\n`
    }
    case "documents":
      return `${e.before}---\n${text}\n---\n${e.after}`
    case "crlf":
      return text.replace(/\n/g, "\r\n")
    case "bom":
      return "\uFEFF" + text
  }
}

/** How a document is written. */
export type Format = "yaml" | "json" | "flow"

/** A document as text in the given format (the yaml writer's own failures leave it as JSON). */
export const write = (doc: Doc, format: Format): string => {
  if (format === "json") return JSON.stringify(doc)
  try {
    return YAML.stringify(doc, format === "flow" ? { collectionStyle: "flow", lineWidth: 0 } : { lineWidth: 0 })
  } catch {
    return JSON.stringify(doc)
  }
}

/** Valid documents mutated at 0 to 3 paths, written, then edited as text. */
export const mutatedText = (bases: ReadonlyArray<Doc>): fc.Arbitrary<string> =>
  fc
    .record({
      base: fc.constantFrom(...bases),
      mutations: fc.array(mutation, { maxLength: 3 }),
      format: fc.constantFrom<Format>("yaml", "yaml", "json", "flow"),
      edits: fc.array(textEdit, { maxLength: 2 })
    })
    .map(({ base, mutations, format, edits }) => edits.reduce(edit, write(mutations.reduce(mutate, base), format)))

/** Mutated documents (structure only, no text edits): for inputs that are already parsed (JSON bodies). */
export const mutatedDoc = (bases: ReadonlyArray<Doc>): fc.Arbitrary<Doc> =>
  fc
    .record({ base: fc.constantFrom(...bases), mutations: fc.array(mutation, { maxLength: 3 }) })
    .map(({ base, mutations }) => mutations.reduce(mutate, base))

/** Text inputs: mostly mutated valid documents, some plain random text. */
export const textInput = (bases: ReadonlyArray<Doc>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: mutatedText(bases) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: junk.map((d) => write(d, "yaml")) }
  )
