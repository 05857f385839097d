// Bundles the two binaries with esbuild: start-up is several times faster than
// loading the tsc output (see the README). Sources are read through the
// "@kubeadm-ts/source" export condition, so no tsc build is needed first.
import { build } from "esbuild"
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { basename, dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Script } from "node:vm"

const root = fileURLToPath(new URL("../..", import.meta.url))
const cjsWrapperStart = "(function (exports, require, module, __filename, __dirname) {"
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["@kubeadm-ts/source"],
  sourcemap: true,
  minify: process.env.KUBEADM_TS_NO_MINIFY !== "1",
  splitting: true,
  // undici and friends call require() dynamically.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning"
}

// The CLI's phase list reads names, descriptions and hidden flags from joinWorkflow, and its shell
// completion the preflight check names from the join's check lists. Loading either loads every
// phase, which would slow `--help` down, so the bundle gets plain data, taken from the real
// joinWorkflow and preflightCheckNames here, in place of @kubeadm-ts/join for those two modules only.
const loadSource = async (entry) => {
  const dir = await mkdtemp(join(tmpdir(), "kubeadm-ts-build-data-"))
  try {
    const outfile = join(dir, "entry.mjs")
    await build({
      ...common,
      splitting: false,
      minify: false,
      sourcemap: false,
      entryPoints: [join(root, entry)],
      outfile
    })
    return await import(pathToFileURL(outfile).href)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
const phaseTreeShape = async () => {
  const { joinWorkflow } = await loadSource("packages/join/src/join-workflow.ts")
  const shape = (p) => ({
    name: p.name,
    description: p.description,
    ...(p.hidden === true ? { hidden: true } : {}),
    children: p.children.map(shape)
  })
  return `export const joinWorkflow = ${JSON.stringify({ phases: joinWorkflow.phases.map(shape) })}`
}
const checkNames = async () => {
  const { preflightCheckNames } = await loadSource("packages/join/src/preflight-check-names.ts")
  return `const names = ${JSON.stringify(preflightCheckNames())}\nexport const preflightCheckNames = () => names`
}
// config-route.ts (help pages of `config`) quotes two constants of @kubeadm-ts/join/config, whose
// module also loads the YAML parser and the config schemas: the bundle gets the two values.
const configConstants = async () => {
  const { latestVersion, placeholderToken } = await loadSource("packages/join/src/config/index.ts")
  return `export const latestVersion = ${JSON.stringify(latestVersion)}\nexport const placeholderToken = ${JSON.stringify(placeholderToken)}`
}
// importer -> the module its `@kubeadm-ts/join` (or `@kubeadm-ts/join/config`) import becomes
const replaced = new Map([
  [join(root, "packages/cli/src/phase-list.ts"), await phaseTreeShape()],
  [join(root, "packages/cli/src/completion.ts"), await checkNames()],
  [join(root, "packages/cli/src/config-route.ts"), await configConstants()]
])
const buildDataPlugin = {
  name: "build-data",
  setup(b) {
    b.onResolve({ filter: /^@kubeadm-ts\/join(\/config)?$/ }, (args) =>
      replaced.has(args.importer) ? { path: args.importer, namespace: "build-data" } : undefined
    )
    b.onLoad({ filter: /.*/, namespace: "build-data" }, (args) => ({ contents: replaced.get(args.path), loader: "js" }))
  }
}

// @kubernetes/client-node is most of what a join compiles (3.5 MB): Node 20 keeps no code cache
// for ES modules, so the bundles load it as one CommonJS file compiled through node:vm with a V8
// code cache made here, at build time (dist/client-node.cjs and .cjs.cache, never written at run
// time). A cache V8 rejects (another Node version, other V8 flags) only costs the compilation.
const CLIENT_NODE = "client-node.cjs"
const loadClientNodeSource = `
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"
const file = fileURLToPath(new URL("./${CLIENT_NODE}", import.meta.url))
let cachedData
try { cachedData = readFileSync(file + ".cache") } catch {}
const script = new Script(${JSON.stringify(cjsWrapperStart)} + readFileSync(file, "utf8") + "\\n})", { filename: file, cachedData })
const mod = { exports: {} }
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file))
export default mod.exports
`
const clientNodePlugin = {
  name: "client-node-cached",
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) =>
      args.kind === "dynamic-import" ? { path: "client-node", namespace: "client-node-cached" } : undefined
    )
    b.onLoad({ filter: /.*/, namespace: "client-node-cached" }, () => ({
      contents: loadClientNodeSource,
      loader: "js",
      resolveDir: root
    }))
  }
}
const plugins = [buildDataPlugin, clientNodePlugin]

/** client-node as one CommonJS file in `outdir`, and its V8 code cache (made after running its top level). */
const vendorClientNode = async (outdir) => {
  const file = join(root, outdir, CLIENT_NODE)
  await build({
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    logLevel: "warning",
    absWorkingDir: join(root, "packages/join"),
    entryPoints: ["@kubernetes/client-node"],
    outfile: file
  })
  const script = new Script(cjsWrapperStart + (await readFile(file, "utf8")) + "\n})", { filename: file })
  const mod = { exports: {} }
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file))
  await writeFile(file + ".cache", script.createCachedData())
}

// Code splitting names chunks by content: once a build is written, chunks of
// earlier builds are removed (after, not before, so a running binary never misses a file).
const bundle = async (entry, source, outdir) => {
  const result = await build({
    ...common,
    plugins,
    metafile: true,
    absWorkingDir: root,
    entryPoints: { [entry]: source },
    outdir,
    outExtension: { ".js": ".mjs" }
  })
  const fresh = new Set(Object.keys(result.metafile.outputs).map((f) => basename(f)))
  const dir = join(root, outdir)
  for (const name of await readdir(dir)) {
    if (/\.mjs(\.map)?$/.test(name) && !fresh.has(name)) await rm(join(dir, name), { force: true })
  }
}
await Promise.all([
  vendorClientNode("packages/cli/dist"),
  vendorClientNode("packages/testkit/dist"),
  bundle("kubeadm-ts", "packages/cli/src/main.ts", "packages/cli/dist"),
  bundle("kubeadm-ts-testkit", "packages/testkit/src/launcher.ts", "packages/testkit/dist")
])
