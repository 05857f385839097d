// Runs the machine's openssl on files in a temp folder (test helper).
import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const tempDir = (): string => mkdtempSync(join(tmpdir(), "kubeadm-ts-crypto-"))

export const writeTemp = (dir: string, name: string, content: string | Uint8Array): string => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

export const openssl = (args: ReadonlyArray<string>, input?: string | Uint8Array): string =>
  execFileSync("openssl", [...args], { input: input ?? "", encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] })

export const opensslBytes = (args: ReadonlyArray<string>, input?: string | Uint8Array): Buffer =>
  execFileSync("openssl", [...args], { input: input ?? "", stdio: ["pipe", "pipe", "pipe"] })
