// Bundles the two binaries with esbuild: start-up is several times faster than
// loading the tsc output (see the README). Sources are read through the
// "@kubeadm-ts/source" export condition, so no tsc build is needed first.
import { build } from "esbuild"
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
await Promise.all([
  build({ ...common, absWorkingDir: root, entryPoints: { "kubeadm-ts": "packages/cli/src/main.ts" }, outdir: "packages/cli/dist", outExtension: { ".js": ".mjs" } }),
  build({ ...common, absWorkingDir: root, entryPoints: { "kubeadm-ts-testkit": "packages/testkit/src/launcher.ts" }, outdir: "packages/testkit/dist", outExtension: { ".js": ".mjs" } })
])
