// Fails on any runtime import cycle among the packages' sources. A cycle makes load order
// decide which binding is still undefined; type-only imports are erased (dpdm --transform),
// so they may point both ways.
import { parseCircular, parseDependencyTree, prettyCircular } from "dpdm"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const tree = await parseDependencyTree("packages/*/src/**/*.ts", {
  context: root,
  cwd: root,
  tsconfig: "tsconfig.json",
  transform: true
})
const modules = Object.keys(tree).filter((id) => id.startsWith("packages/"))
const cycles = parseCircular(tree)
if (cycles.length > 0) {
  process.stderr.write(
    `Import cycles among the packages' sources (type-only imports excluded):\n${prettyCircular(cycles)}\n`
  )
  process.exit(1)
}
process.stdout.write(`No import cycle among ${modules.length} source modules.\n`)
