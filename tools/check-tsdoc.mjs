// Every export of a package's public surface has a TSDoc comment (issue 12, "a public API on purpose").
//
// Walks packages/*/src/**/*.ts except src/internal/** (implementations, not surface) and checks each
// exported declaration (const/let/var, function, class, interface, type, enum, namespace, default) for a
// `/** ... */` comment as the last comment before it. Re-exports (`export { x }`, `export * from`) are
// not declarations: their documentation lives where the name is declared.
//
// Usage: node tools/check-tsdoc.mjs [path-prefix ...]   (default: every package)
// Prints file:line: name for each export without one, then a count per package; exits 1 when any is missing.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = fileURLToPath(new URL("..", import.meta.url))

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === "internal" || name === "node_modules" ? [] : walk(path)
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : []
  })

const isExported = (node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const isDefault = (node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)

/** The exported declarations of a file, with the names they export; overload signatures after the first are left out. */
const exportsOf = (source) => {
  const out = []
  const seenFunctions = new Set()
  for (const node of source.statements) {
    if (ts.isExportAssignment(node)) {
      out.push({ node, name: node.isExportEquals ? "export =" : "default" })
      continue
    }
    if (!isExported(node)) continue
    if (ts.isVariableStatement(node)) {
      const names = node.declarationList.declarations.map((d) => d.name.getText(source))
      out.push({ node, name: names.join(", ") })
    } else if (ts.isFunctionDeclaration(node)) {
      const name = node.name?.text ?? "default"
      if (seenFunctions.has(name)) continue
      seenFunctions.add(name)
      out.push({ node, name })
    } else if (
      ts.isClassDeclaration(node) ||
      ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node) ||
      ts.isEnumDeclaration(node) ||
      ts.isModuleDeclaration(node)
    ) {
      out.push({ node, name: node.name?.getText(source) ?? (isDefault(node) ? "default" : "(anonymous)") })
    }
    // ExportDeclaration (`export { x }`, `export * from`) is a re-export: not checked here.
  }
  return out
}

/** An `// eslint-disable-next-line ...` directive may sit between a doc comment and its declaration. */
const isLintDirective = (text, range) =>
  range.kind === ts.SyntaxKind.SingleLineCommentTrivia &&
  /^\/\/\s*eslint-disable-next-line\b/.test(text.slice(range.pos, range.end))

/** True when the last comment before the declaration (only whitespace between) is a `/** ... *\/` block. */
const hasTsDoc = (source, node) => {
  const text = source.getFullText()
  const ranges = (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).filter((r) => !isLintDirective(text, r))
  const last = ranges[ranges.length - 1]
  if (last === undefined || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return false
  const comment = text.slice(last.pos, last.end)
  // `/**/` is an empty block comment, not a doc comment; `/** */` with nothing in it documents nothing
  if (!comment.startsWith("/**") || comment === "/**/") return false
  if (comment.slice(3, -2).replace(/[\s*]/g, "") === "") return false
  const between = text.slice(last.end, node.getStart(source)).replace(/^\s*\/\/\s*eslint-disable-next-line\b.*$/gm, "")
  return between.trim() === ""
}

const prefixes = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)))
const packagesDir = join(root, "packages")
const missing = []
const totals = new Map()
for (const pkg of readdirSync(packagesDir).sort()) {
  const src = join(packagesDir, pkg, "src")
  if (!statSync(src, { throwIfNoEntry: false })?.isDirectory()) continue
  for (const file of walk(src).sort()) {
    const rel = relative(root, file).split(sep).join("/")
    if (prefixes.length > 0 && !prefixes.some((p) => rel === p || rel.startsWith(p.endsWith("/") ? p : `${p}/`)))
      continue
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
    const total = totals.get(pkg) ?? { exports: 0, missing: 0 }
    totals.set(pkg, total)
    for (const { node, name } of exportsOf(source)) {
      total.exports++
      if (hasTsDoc(source, node)) continue
      total.missing++
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
      missing.push(`${rel}:${line + 1}: ${name}`)
    }
  }
}

for (const m of missing) console.log(m)
const summary = [...totals].map(([pkg, t]) => `${pkg} ${t.missing}/${t.exports}`).join(", ")
console.log(`${missing.length} export(s) without a TSDoc comment (missing/exports per package: ${summary})`)
process.exitCode = missing.length > 0 ? 1 : 0
