/** The real machine behind LoadEnv: read-only look-ups with node:fs and node:os. */
import { Option } from "effect"
import { existsSync, realpathSync, statSync } from "node:fs"
import { hostname } from "node:os"
import { confinedRoot, EscapeSignal, RejectSignal } from "../rootfs/confined.js"
import { MAX_USER_YAML_BYTES, normalizeSegments } from "../../rootfs/rootfs.js"
import type { LoadEnv } from "../../config/load.js"

const notFound = (code: string, message: string) => Object.assign(new Error(message), { code })

export const liveLoadEnv: LoadEnv = {
  hostname: () => hostname(),
  // Through the same descriptor-confined reader as RootFs: a --config that is (or passes
  // through) a symlink out of the rootfs is refused, and so is anything but a regular file.
  readFile: (rootfs, path) => {
    const segments = normalizeSegments(path)
    if (Option.isNone(segments)) throw new EscapeSignal("refused: the path climbs above the root filesystem with '..'")
    try {
      return confinedRoot(realpathSync(rootfs)).readFile(segments.value, MAX_USER_YAML_BYTES).toString("utf8")
    } catch (e) {
      if (e instanceof EscapeSignal) throw new EscapeSignal(`refused: ${e.message}`)
      if (e instanceof RejectSignal)
        throw new RejectSignal(
          e.reason,
          e.reason === "TooLarge" ? `${e.message} (the limit for a config file)` : e.message
        )
      throw e
    }
  },
  exists: (path) => existsSync(path),
  isDirectory: (path) => {
    try {
      return statSync(path).isDirectory()
    } catch {
      return false
    }
  },
  listDir: (rootfs, path) => {
    const segments = normalizeSegments(path)
    if (Option.isNone(segments)) throw new EscapeSignal("refused: the path climbs above the root filesystem with '..'")
    const root = confinedRoot(realpathSync(rootfs))
    const stat = root.lstat(segments.value)
    if (stat === undefined) throw notFound("ENOENT", `${path}: no such file or directory`)
    if (!stat.isDirectory()) throw notFound("ENOTDIR", `${path}: not a directory`)
    return root.list(segments.value).map((name) => ({
      name,
      directory: root.lstat([...segments.value, name])?.isDirectory() ?? false
    }))
  }
}
