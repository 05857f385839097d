/**
 * The `--dry-run` RootFs: reads go to the machine (or to what this run would have written),
 * changes are kept in memory and printed, never applied. A phase that reads back a file it
 * wrote (admin.conf, the kubelet's config) sees its would-be content.
 */
import { Effect, Option } from "effect"
import { redactFileContent } from "../../redact.js"
import { RootFsError } from "../../rootfs/errors.js"
import { confineSegments } from "../../rootfs/paths.js"
import type { EntryInfo, RootFsService } from "../../rootfs/rootfs.js"
import type { OutputService } from "../../output.js"

type Pending =
  | { readonly kind: "file"; readonly data: Uint8Array; readonly mode: number }
  | { readonly kind: "dir"; readonly mode: number }
  | { readonly kind: "symlink"; readonly target: string }
  | { readonly kind: "gone" }

/** kubeadm's PrintFilesIfDryRunning shows these in full; certificates, keys and kubeconfigs it never prints. */
export const printsContent = (path: string): boolean =>
  /^\/etc\/kubernetes\/manifests\/[^/]+\.yaml$/.test(path) ||
  path === "/var/lib/kubelet/config.yaml" ||
  path === "/var/lib/kubelet/instance-config.yaml" ||
  path === "/var/lib/kubelet/kubeadm-flags.env"

/** A mode as `ls` shows it in octal, e.g. 0600. */
export const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, "0")}`

const text = (data: string | Uint8Array): string => (typeof data === "string" ? data : new TextDecoder().decode(data))

/** `real` answers the reads; every change is printed on `out` and remembered, none is applied. */
export const make = (real: RootFsService, out: OutputService): RootFsService => {
  const pending = new Map<string, Pending>()
  const keyOf = (op: string, path: string) =>
    Effect.map(confineSegments(op, path), (segments) => "/" + segments.join("/"))
  const under = (key: string) => (key === "/" ? "/" : `${key}/`)
  /** The nearest pending entry on the way to `key` (a removed folder hides what is below it). */
  const lookup = (key: string): Pending | undefined => {
    const own = pending.get(key)
    if (own !== undefined) return own
    for (const [k, v] of pending) if (v.kind === "gone" && key.startsWith(under(k))) return v
    return undefined
  }
  /** A folder this run would create on the way to a file it writes. */
  const holdsPending = (key: string) => [...pending].some(([k, v]) => v.kind !== "gone" && k.startsWith(under(key)))
  const notFound = (op: string, path: string) =>
    new RootFsError({ op, path, reason: "NotFound", detail: "no such file or directory" })
  const read = (path: string, options?: { readonly maxBytes?: number }) =>
    Effect.flatMap(keyOf("read", path), (key) => {
      const p = lookup(key)
      if (p === undefined) return real.read(path, options)
      return p.kind === "file" ? Effect.succeed(p.data) : Effect.fail(notFound("read", key))
    })
  const stat = (path: string): Effect.Effect<Option.Option<EntryInfo>, RootFsError> =>
    Effect.flatMap(keyOf("stat", path), (key) => {
      const p = lookup(key)
      if (p === undefined)
        return Effect.map(real.stat(path), (found) =>
          Option.isNone(found) && holdsPending(key)
            ? Option.some<EntryInfo>({ type: "Directory", mode: 0o755, size: 0 })
            : found
        )
      switch (p.kind) {
        case "file":
          return Effect.succeed(Option.some({ type: "File", mode: p.mode, size: p.data.byteLength }))
        case "dir":
          return Effect.succeed(Option.some({ type: "Directory", mode: p.mode, size: 0 }))
        case "symlink":
          return real.stat(p.target.startsWith("/") ? p.target : `${key}/../${p.target}`)
        case "gone":
          return Effect.succeed(Option.none())
      }
    })
  const exists = (path: string) => Effect.map(stat(path), Option.isSome)
  return {
    root: real.root,
    hostPath: real.hostPath,
    read,
    readText: (path, options) => Effect.map(read(path, options), text),
    write: (path, data, options) =>
      Effect.gen(function* () {
        const key = yield* keyOf("write", path)
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
        pending.set(key, { kind: "file", data: bytes, mode: options.mode })
        yield* printsContent(key)
          ? out.info(
              `[dryrun] Would write file "${key}" with mode ${octal(options.mode)} and content:\n${redactFileContent(text(data)).trimEnd()}`
            )
          : out.info(
              `[dryrun] Would write file "${key}" with mode ${octal(options.mode)} (its content is not printed due to its sensitive nature)`
            )
      }),
    mkdir: (path, mode) =>
      Effect.gen(function* () {
        const key = yield* keyOf("mkdir", path)
        if (Option.isSome(yield* stat(path))) return
        pending.set(key, { kind: "dir", mode })
        yield* out.info(`[dryrun] Would create directory "${key}" with mode ${octal(mode)}`)
      }),
    chmod: (path, mode) =>
      Effect.gen(function* () {
        const key = yield* keyOf("chmod", path)
        const p = lookup(key)
        if (p?.kind === "file" || p?.kind === "dir") pending.set(key, { ...p, mode })
        yield* out.info(`[dryrun] Would change the mode of "${key}" to ${octal(mode)}`)
      }),
    remove: (path) =>
      Effect.gen(function* () {
        const key = yield* keyOf("remove", path)
        if (!(yield* exists(path))) return
        pending.set(key, { kind: "gone" })
        for (const k of [...pending.keys()]) if (k.startsWith(under(key))) pending.delete(k)
        yield* out.info(`[dryrun] Would remove "${key}"`)
      }),
    exists,
    list: (path) =>
      Effect.gen(function* () {
        const key = yield* keyOf("list", path)
        const own = lookup(key)
        if (own?.kind === "gone") return yield* Effect.fail(notFound("list", key))
        const names = new Set(
          yield* real.list(path).pipe(
            Effect.catchIf(
              (e) => e.reason === "NotFound" && (own?.kind === "dir" || holdsPending(key)),
              (): Effect.Effect<ReadonlyArray<string>> => Effect.succeed([])
            )
          )
        )
        for (const [k, v] of pending) {
          const rest = k.startsWith(under(key)) ? k.slice(under(key).length) : ""
          const [name = "", ...below] = rest.split("/")
          if (name === "") continue
          if (v.kind !== "gone") names.add(name)
          else if (below.length === 0) names.delete(name)
        }
        return [...names].sort()
      }),
    stat,
    symlink: (target, path) =>
      Effect.gen(function* () {
        const key = yield* keyOf("symlink", path)
        pending.set(key, { kind: "symlink", target })
        yield* out.info(`[dryrun] Would create the symlink "${key}" -> "${target}"`)
      })
  }
}
