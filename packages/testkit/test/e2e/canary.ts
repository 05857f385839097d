/**
 * Canary secrets, checked after every e2e run of the CLI (the runners of worker-helpers.ts,
 * control-plane-helpers.ts and real-helpers.ts call `expectNoSecretLeak`): the bootstrap
 * tokens' secrets and the certificate key the run was given (on the command line or in its
 * --config / --discovery-file), and every private key the run wrote. None may appear in stdout
 * or stderr (so in no error message, at any --v), and none in a file the run wrote, except
 * where it belongs: a token in bootstrap-kubelet.conf, a private key in its own key file and,
 * base64-encoded, in a kubeconfig (kubeadm embeds client keys there).
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { expect } from "vitest"

const TOKEN = /\b([a-z0-9]{6})\.([a-z0-9]{16})\b/g
const CERTIFICATE_KEY_IN_CONFIG = /certificateKey:\s*["']?([0-9a-fA-F]{64})\b/g
const CLIENT_KEY_DATA = /client-key-data:\s*(\S+)/g
const PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----\n([\s\S]*?)\n-----END \1PRIVATE KEY-----/g

/** Folders of a machine that hold what the run did not write: binaries, the containers' and etcd's own data. */
const skipped = new Set(["proc", "usr", "var/lib/containerd", "run/containerd", "var/lib/etcd", "bin", "sbin", "lib"])
const MAX_SCANNED_BYTES = 4 * 1024 * 1024

const flagValue = (args: ReadonlyArray<string>, name: string): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ""
    if (a === `--${name}`) return args[i + 1]
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3)
  }
  return undefined
}

const readIfFile = (path: string): string => {
  try {
    return lstatSync(path).isFile() ? readFileSync(path, "utf8") : ""
  } catch {
    return ""
  }
}

/** Every regular file under `root` changed since `since` (ms), as relative paths. */
const writtenFiles = (root: string, since: number): Array<string> => {
  const out: Array<string> = []
  const walk = (rel: string) => {
    let entries
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const child = rel === "" ? e.name : `${rel}/${e.name}`
      if (skipped.has(child)) continue
      if (e.isDirectory()) walk(child)
      else if (e.isFile()) {
        // a test may still be changing the machine (the rootfs race swaps folders): gone is fine
        const st = lstatSync(join(root, child), { throwIfNoEntry: false })
        if (st !== undefined && st.mtimeMs >= since - 1000 && st.size <= MAX_SCANNED_BYTES) out.push(child)
      }
    }
  }
  walk("")
  return out
}

interface Canary {
  readonly what: string
  readonly text: string
  /** The files (relative to the rootfs) where it may appear. */
  readonly allowedIn: (file: string) => boolean
}

/** The user's own input files: they hold the secrets they were given, whatever their name. */
const userFiles = (args: ReadonlyArray<string>): Set<string> =>
  new Set(
    [flagValue(args, "config"), flagValue(args, "discovery-file")]
      .filter((p): p is string => p !== undefined && !p.includes("://"))
      .map((p) => p.replace(/^\/+/, ""))
  )

/**
 * Checks one finished run: its command line, output and (with a rootfs) the files it wrote
 * since `startedMs`. `rootfs` defaults to the run's --rootfs.
 */
export const expectNoSecretLeak = (
  args: ReadonlyArray<string>,
  result: { readonly stdout: string; readonly stderr: string },
  startedMs: number,
  rootfs: string | undefined = flagValue(args, "rootfs")
): void => {
  const own = userFiles(args)
  const inputs = [...args, ...(rootfs === undefined ? [] : [...own].map((p) => readIfFile(join(rootfs, p))))].join("\n")
  const canaries: Array<Canary> = []
  for (const m of inputs.matchAll(TOKEN))
    canaries.push({
      what: `the secret of bootstrap token ${m[1] ?? ""}`,
      text: m[2] ?? "",
      allowedIn: (f) => f === "etc/kubernetes/bootstrap-kubelet.conf" || own.has(f)
    })
  const keys = [
    flagValue(args, "certificate-key") ?? "",
    ...[...inputs.matchAll(CERTIFICATE_KEY_IN_CONFIG)].map((m) => m[1] ?? "")
  ]
  for (const key of keys.filter((k) => /^[0-9a-fA-F]{64}$/.test(k)))
    canaries.push({ what: "the certificate key", text: key, allowedIn: (f) => own.has(f) })
  const files = rootfs === undefined || rootfs === "/" ? [] : writtenFiles(rootfs, startedMs)
  const texts = new Map(files.map((f) => [f, readIfFile(join(rootfs ?? "/", f))]))
  const isKeyFile = (f: string) => /\.(key|pem)$/.test(f) || own.has(f)
  // kubeconfigs embed client keys base64-encoded: decoded, they are canaries for the output too
  const embedded = [...texts]
    .filter(([f]) => f.endsWith(".conf"))
    .flatMap(([f, text]) =>
      [...text.matchAll(CLIENT_KEY_DATA)].map((m) => [f, Buffer.from(m[1] ?? "", "base64").toString("utf8")] as const)
    )
  for (const [file, text] of [...texts, ...embedded])
    for (const m of text.matchAll(PRIVATE_KEY)) {
      const body = (m[2] ?? "").split("\n")[0] ?? ""
      if (body.length < 40) continue
      canaries.push({ what: `the private key in ${file}`, text: body, allowedIn: (f) => isKeyFile(f) || f === file })
      // as a kubeconfig's client-key-data: base64 of the whole PEM block
      canaries.push({
        what: `the private key in ${file} (base64)`,
        text: Buffer.from(m[0]).toString("base64").slice(0, 60),
        allowedIn: (f) => /\.conf$/.test(f) || isKeyFile(f)
      })
    }
  const output = `${result.stdout}\n${result.stderr}`
  expect(output, "a private key in the output").not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/)
  for (const c of canaries) {
    expect(output.includes(c.text), `${c.what} appears in the output`).toBe(false)
    const leaks = [...texts].filter(([f, text]) => !c.allowedIn(f) && text.includes(c.text)).map(([f]) => f)
    expect(leaks, `${c.what} appears in files it does not belong in`).toEqual([])
  }
}
