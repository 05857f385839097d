/**
 * Checks of `-o json` runs: every stdout line is one JSON object valid against the published
 * JSON Schema (ajv), every phase is reported, every file the join left is announced with its
 * mode and digest, and no secret appears on stdout or stderr.
 */
import { createHash } from "node:crypto"
import { lstat, readdir, readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { join } from "node:path"
import { Ajv } from "ajv"
import { expect } from "vitest"
import { fullNames, type Workflow } from "@kubeadm-ts/workflow"

const require = createRequire(import.meta.url)
const schema = JSON.parse(
  await readFile(require.resolve("@kubeadm-ts/join/schema/join-events.v1.json"), "utf8")
) as Record<string, unknown>
const validate = new Ajv({ strict: true, allErrors: true }).compile(schema)

/** One parsed event line. */
export type Event = Record<string, unknown> & { readonly type: string; readonly seq: number }

/** Parses stdout as NDJSON and validates every line against the schema; seq counts 1, 2, 3, ... */
export const parseEvents = (stdout: string): Array<Event> => {
  expect(stdout.endsWith("\n"), "stdout ends with a newline").toBe(true)
  const lines = stdout.slice(0, -1).split("\n")
  const events = lines.map((line, i) => {
    let parsed: unknown
    expect(
      () => {
        parsed = JSON.parse(line) as unknown
      },
      `line ${i + 1} is JSON: ${line}`
    ).not.toThrow()
    const ok = validate(parsed)
    expect(ok, `line ${i + 1} ${line}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true)
    return parsed as Event
  })
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
  expect(events[0]?.type).toBe("run-start")
  return events
}

/** Every phase of the tree is reported as started (and ended) or skipped, and nothing else is. */
export const expectEveryPhase = <R, E>(events: ReadonlyArray<Event>, tree: Workflow<R, E>) => {
  const started = events.filter((e) => e.type === "phase-start").map((e) => e["phase"])
  const ended = events.filter((e) => e.type === "phase-end").map((e) => e["phase"])
  const skipped = events.filter((e) => e.type === "phase-skip").map((e) => e["phase"])
  expect([...started, ...skipped].sort()).toEqual([...fullNames(tree)].sort())
  expect(ended.sort()).toEqual([...started].sort())
}

const walk = async (dir: string): Promise<Array<string>> => {
  const out: Array<string> = []
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await walk(p)))
    else if (entry.isFile()) out.push(p)
  }
  return out
}

/**
 * Every regular file under the join's folders (`/etc/kubernetes`, `/var/lib/kubelet`) that was
 * not there before has a `file` event with its mode, size and digest (the last write wins).
 * Returns how many files were checked.
 */
export const expectEveryFile = async (events: ReadonlyArray<Event>, rootfs: string, before: ReadonlySet<string>) => {
  const announced = new Map(events.filter((e) => e.type === "file").map((e) => [String(e["path"]), e]))
  let n = 0
  for (const folder of ["etc/kubernetes", "var/lib/kubelet"]) {
    for (const file of await walk(join(rootfs, folder))) {
      const path = file.slice(rootfs.length)
      if (before.has(path)) continue
      n++
      const event = announced.get(path)
      expect(event, `a file event for ${path}`).toBeDefined()
      const content = await readFile(file)
      const mode = ((await lstat(file)).mode & 0o777).toString(8).padStart(4, "0")
      expect(event?.["mode"], path).toBe(mode)
      expect(event?.["bytes"], path).toBe(content.byteLength)
      if (event?.["sha256"] !== undefined)
        expect(event["sha256"], path).toBe(`sha256:${createHash("sha256").update(content).digest("hex")}`)
    }
  }
  return n
}

/** The files under the join's folders before it runs (machine files the join does not write). */
export const filesBefore = async (rootfs: string): Promise<Set<string>> =>
  new Set(
    (await Promise.all(["etc/kubernetes", "var/lib/kubelet"].map((f) => walk(join(rootfs, f)))))
      .flat()
      .map((f) => f.slice(rootfs.length))
  )

/** The base64 bodies of every private key the join left (or that a test holds), one line each. */
export const privateKeyBodies = async (rootfs: string): Promise<Array<string>> => {
  const bodies: Array<string> = []
  for (const file of [
    ...(await walk(join(rootfs, "etc/kubernetes"))),
    ...(await walk(join(rootfs, "var/lib/kubelet")))
  ]) {
    const text = await readFile(file, "utf8")
    for (const m of text.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----\n([\s\S]*?)-----END/g))
      bodies.push(...(m[1] ?? "").split("\n").filter((l) => l.length >= 16))
  }
  return bodies
}

/** No token secret, certificate key or private key (PEM header or body line) on stdout or stderr. */
export const expectNoSecrets = (
  run: { readonly stdout: string; readonly stderr: string },
  secrets: { readonly token: string; readonly certificateKey?: string; readonly keyBodies: ReadonlyArray<string> }
) => {
  for (const [name, text] of [
    ["stdout", run.stdout],
    ["stderr", run.stderr]
  ] as const) {
    const tokenSecret = secrets.token.split(".")[1] ?? secrets.token
    expect(text, `${name}: the token's secret`).not.toContain(tokenSecret)
    if (secrets.certificateKey !== undefined)
      expect(text.toLowerCase(), `${name}: the certificate key`).not.toContain(secrets.certificateKey.toLowerCase())
    expect(text, `${name}: a private key`).not.toContain("PRIVATE KEY")
    for (const body of secrets.keyBodies) expect(text, `${name}: a private key's body`).not.toContain(body)
  }
}
