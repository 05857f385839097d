/** Runs the built CLI bundle in a child process, each time with a fresh temp rootfs. */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const bundle = fileURLToPath(new URL("../dist/kubeadm-ts.mjs", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const runCli = (args: ReadonlyArray<string>, cwd?: string): CliResult => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first (npm test does)`)
  const r = spawnSync(process.execPath, [bundle, ...args], { encoding: "utf8", cwd: cwd ?? tmpdir(), timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export const tempDir = (prefix = "kubeadm-ts-cli-"): string => mkdtempSync(join(tmpdir(), prefix))

/** Every path under `dir`, relative, sorted: compared before and after a run to prove nothing was written. */
export const listing = (dir: string): ReadonlyArray<string> =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).map(String).sort() : ["<missing>"]

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true })
