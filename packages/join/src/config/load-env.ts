/** The real machine behind LoadEnv: read-only look-ups with node:fs and node:os. */
import { existsSync, readFileSync, statSync } from "node:fs"
import { hostname } from "node:os"
import type { LoadEnv } from "./load.js"

export const liveLoadEnv: LoadEnv = {
  hostname: () => hostname(),
  readFile: (path) => readFileSync(path, "utf8"),
  exists: (path) => existsSync(path),
  isDirectory: (path) => {
    try {
      return statSync(path).isDirectory()
    } catch {
      return false
    }
  }
}
