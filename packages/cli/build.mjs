// Bundles the two binaries with esbuild: start-up is several times faster than
// loading the tsc output (see the README). Sources are read through the
// "@kubeadm-ts/source" export condition, so no tsc build is needed first.
import { build } from "esbuild"
import { readdir, rm } from "node:fs/promises"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["@kubeadm-ts/source"],
  sourcemap: true,
  minify: true,
  splitting: true,
  // undici and friends call require() dynamically.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning"
}
// Code splitting names chunks by content: once a build is written, chunks of
// earlier builds are removed (after, not before, so a running binary never misses a file).
const bundle = async (entry, source, outdir) => {
  const result = await build({ ...common, metafile: true, absWorkingDir: root, entryPoints: { [entry]: source }, outdir, outExtension: { ".js": ".mjs" } })
  const fresh = new Set(Object.keys(result.metafile.outputs).map((f) => basename(f)))
  const dir = join(root, outdir)
  for (const name of await readdir(dir)) {
    if (/\.mjs(\.map)?$/.test(name) && !fresh.has(name)) await rm(join(dir, name), { force: true })
  }
}
await Promise.all([
  bundle("kubeadm-ts", "packages/cli/src/main.ts", "packages/cli/dist"),
  bundle("kubeadm-ts-testkit", "packages/testkit/src/launcher.ts", "packages/testkit/dist")
])
