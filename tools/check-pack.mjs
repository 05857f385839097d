// Checks what `npm pack` of each workspace package would publish: its README.md, the built JS and d.ts files (every
// entry point of `exports`, every bin), the bundles for the binaries, and nothing else: no tests,
// no TypeScript sources, no source maps. Needs the build (`tsc -b`, `npm run build`) done first.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces
const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const packs = JSON.parse(
  execFileSync(npm, ["pack", "--dry-run", "--json", "--workspaces"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"]
  })
)

const allowed = [
  /^package\.json$/,
  /^README(\.md)?$/i,
  /^LICENSE/i,
  /^bin\/[^/]+\.mjs$/,
  /^dist\/[^/]+\.mjs$/,
  // client-node as CommonJS with its V8 code cache (packages/cli/build.mjs)
  /^dist\/[^/]+\.cjs(\.cache)?$/,
  /^dist\/src\/.+\.(js|d\.ts)$/,
  /^schema\/[^/]+\.json$/
]
const problems = []
for (const dir of workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"))
  const pack = packs.find((p) => p.name === manifest.name)
  if (pack === undefined) {
    problems.push(`${manifest.name}: not packed`)
    continue
  }
  const files = new Set(pack.files.map((f) => f.path))
  for (const f of files) if (!allowed.some((re) => re.test(f))) problems.push(`${manifest.name}: packs ${f}`)
  for (const [entry, conditions] of Object.entries(manifest.exports ?? {})) {
    if (entry.includes("*")) problems.push(`${manifest.name}: export "${entry}" is a pattern; name the entry points`)
    // A JSON file (the events' JSON Schema) is published as itself: it has no types.
    for (const condition of entry.endsWith(".json") ? ["default"] : ["types", "default"]) {
      const target = conditions[condition]?.replace(/^\.\//, "")
      if (target === undefined) problems.push(`${manifest.name}: export "${entry}" has no "${condition}"`)
      else if (!files.has(target))
        problems.push(`${manifest.name}: export "${entry}" (${condition}) ${target} is not packed (built?)`)
    }
  }
  for (const bin of Object.values(manifest.bin ?? {})) {
    const target = bin.replace(/^\.\//, "")
    if (!files.has(target)) problems.push(`${manifest.name}: bin ${target} is not packed`)
    // a bin starts a bundle: that file must be packed too
    for (const m of readFileSync(join(root, dir, target), "utf8").matchAll(/import\s+"\.\.\/([^"]+)"/g))
      if (!files.has(m[1]))
        problems.push(`${manifest.name}: the bundle ${m[1]} of bin ${target} is not packed (npm run build?)`)
  }
  // The README says what the package is for (npm shows it); every package has one.
  if (!files.has("README.md")) problems.push(`${manifest.name}: no README.md packed`)
  if (![...files].some((f) => f.endsWith(".js")) || ![...files].some((f) => f.endsWith(".d.ts")))
    problems.push(`${manifest.name}: no built JS or d.ts packed`)
}
if (problems.length > 0) {
  process.stderr.write(`npm pack would publish the wrong files:\n${problems.map((p) => `  ${p}`).join("\n")}\n`)
  process.exit(1)
}
process.stdout.write(
  `npm pack: ${packs.map((p) => `${p.name} (${p.entryCount} files)`).join(", ")} hold the built files only.\n`
)
