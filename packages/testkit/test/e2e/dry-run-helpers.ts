/** What the `--dry-run` e2e tests compare: a machine's whole tree, before and after. */
import { createHash } from "node:crypto"
import { lstat, readdir, readFile, readlink } from "node:fs/promises"
import { join } from "node:path"

/** Path -> type, mode and content hash (or link target) of everything under `dir`. */
export const treeHash = async (dir: string): Promise<Record<string, string>> => {
  const out: Record<string, string> = {}
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const p = join(at, entry.name)
      const rel = p.slice(dir.length)
      if (rel === "/proc" || rel.startsWith("/run/containerd") || rel.startsWith("/var/lib/containerd")) continue
      const st = await lstat(p)
      const mode = (st.mode & 0o7777).toString(8)
      if (entry.isDirectory()) {
        out[rel] = `dir ${mode}`
        await walk(p)
      } else if (entry.isSymbolicLink()) out[rel] = `link ${await readlink(p)}`
      else if (entry.isFile())
        out[rel] = `file ${mode} ${createHash("sha256")
          .update(await readFile(p))
          .digest("hex")}`
      else out[rel] = `other ${mode}`
    }
  }
  await walk(dir)
  return out
}
