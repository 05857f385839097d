/** A fake machine for config loading: a host name and a few files, all in memory. */
import { inRootfs, type LoadEnv } from "../../src/config/load.js"
import { defaultJoinFlags, type JoinFlags } from "../../src/config/flags.js"

export const fakeEnv = (files: Record<string, string> = {}, host = " Worker-1 "): LoadEnv => ({
  hostname: () => host,
  readFile: (rootfs, path) => {
    const text = files[inRootfs(rootfs, path)]
    if (text === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" })
    return text
  },
  exists: (path) => path in files || path === "/",
  isDirectory: (path) =>
    path === "/" || Object.keys(files).some((f) => f.startsWith(path.endsWith("/") ? path : path + "/")),
  listDir: (rootfs, path) => {
    const dir = inRootfs(rootfs, path)
    const prefix = dir.endsWith("/") ? dir : dir + "/"
    if (dir in files) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" })
    const below = Object.keys(files).filter((f) => f.startsWith(prefix))
    if (below.length === 0) throw Object.assign(new Error("no such file or directory"), { code: "ENOENT" })
    const names = new Map<string, boolean>()
    for (const f of below) {
      const [first, ...rest] = f.slice(prefix.length).split("/")
      if (first !== undefined) names.set(first, (names.get(first) ?? false) || rest.length > 0)
    }
    return [...names].map(([name, directory]) => ({ name, directory }))
  }
})

export const token = "abcdef.0123456789abcdef"
export const pin = "sha256:" + "ab".repeat(32)

/** Flags with the given ones marked as changed, as the CLI does. */
export const flags = (given: Partial<Omit<JoinFlags, "changed">>, changed: ReadonlyArray<string> = []): JoinFlags => ({
  ...defaultJoinFlags,
  ...given,
  changed: new Set(changed)
})
