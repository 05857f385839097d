/**
 * An in-memory `RootFs` for unit tests: the same confinement and error rules as
 * the live layer, no disk. Seed it with files, folders, symlinks and sockets, and
 * inspect it afterwards through the returned handle.
 */
import { Effect, Option } from "effect"
import * as posix from "node:path/posix"
import { RootFsError } from "../../rootfs/errors.js"
import { confineSegments, displayPath, escapeError, MAX_READ_BYTES } from "../../rootfs/paths.js"
import type { EntryInfo, RootFsService } from "../../rootfs/rootfs.js"

export type MemoryEntry =
  | { readonly kind: "dir"; mode: number }
  | { readonly kind: "file"; data: Uint8Array; mode: number }
  | { readonly kind: "symlink"; readonly target: string }
  | { readonly kind: "socket" }

export interface MemorySeed {
  /** path -> text content (mode 0644) or an explicit entry. */
  readonly [path: string]:
    | string
    | { readonly data: string; readonly mode: number }
    | { readonly symlink: string }
    | { readonly socket: true }
    | { readonly dir: number }
}

export const make = (seed: MemorySeed = {}) => {
  const entries = new Map<string, MemoryEntry>([["/", { kind: "dir", mode: 0o755 }]])
  const key = (segments: ReadonlyArray<string>) => "/" + segments.join("/")
  const ensureParents = (segments: ReadonlyArray<string>, mode: number) => {
    for (let i = 1; i < segments.length; i++) {
      const k = key(segments.slice(0, i))
      if (!entries.has(k)) entries.set(k, { kind: "dir", mode })
    }
  }
  for (const [path, value] of Object.entries(seed)) {
    const segments = path.split("/").filter((s) => s !== "")
    ensureParents(segments, 0o755)
    const k = key(segments)
    if (typeof value === "string") entries.set(k, { kind: "file", data: new TextEncoder().encode(value), mode: 0o644 })
    else if ("symlink" in value) entries.set(k, { kind: "symlink", target: value.symlink })
    else if ("socket" in value) entries.set(k, { kind: "socket" })
    else if ("dir" in value) entries.set(k, { kind: "dir", mode: value.dir })
    else entries.set(k, { kind: "file", data: new TextEncoder().encode(value.data), mode: value.mode })
  }

  /** Resolves symlinks along the path; the result is the key of the final entry (may not exist). */
  const resolve = (op: string, path: string, followLast = true): Effect.Effect<string, RootFsError> =>
    Effect.gen(function* () {
      const pending = [...(yield* confineSegments(op, path))]
      let done: Array<string> = []
      let hops = 0
      for (let segment = pending.shift(); segment !== undefined; segment = pending.shift()) {
        const k = key([...done, segment])
        const entry = entries.get(k)
        const isLast = pending.length === 0
        if (entry?.kind === "symlink" && (followLast || !isLast)) {
          if (++hops > 40)
            return yield* Effect.fail(
              new RootFsError({
                op,
                path: displayPath(path),
                reason: "Other",
                detail: "too many levels of symbolic links"
              })
            )
          // as the live layer: an absolute target starts again at the root
          const from = entry.target.startsWith("/") || done.length === 0 ? ["."] : done
          const joined = posix.normalize(posix.join(...from, entry.target.replace(/^\/+/, "")))
          if (joined === ".." || joined.startsWith("../")) {
            return yield* Effect.fail(
              escapeError(op, path, "a symbolic link on the way points outside the root filesystem")
            )
          }
          done = joined.split("/").filter((s) => s !== "" && s !== ".")
          continue
        }
        done.push(segment)
      }
      return key(done)
    })

  const notFound = (op: string, path: string) =>
    new RootFsError({ op, path: displayPath(path), reason: "NotFound", detail: "no such file or directory" })

  const mkdirSegments = (op: string, k: string, mode: number): Effect.Effect<void, RootFsError> =>
    Effect.suspend(() => {
      const segments = k.split("/").filter((s) => s !== "")
      for (let i = 1; i <= segments.length; i++) {
        const kk = key(segments.slice(0, i))
        const e = entries.get(kk)
        if (e === undefined) entries.set(kk, { kind: "dir", mode })
        else if (e.kind !== "dir") {
          return Effect.fail(
            new RootFsError({ op, path: kk, reason: "Exists", detail: "exists and is not a directory" })
          )
        }
      }
      return Effect.void
    })

  const readBytes = (op: string, path: string, maxBytes = MAX_READ_BYTES) =>
    Effect.flatMap(resolve(op, path), (k) => {
      const e = entries.get(k)
      if (e === undefined) return Effect.fail(notFound(op, path))
      if (e.kind !== "file") {
        return Effect.fail(
          new RootFsError({ op, path: displayPath(path), reason: "NotRegular", detail: "is not a regular file" })
        )
      }
      if (e.data.length > Math.min(maxBytes, MAX_READ_BYTES)) {
        return Effect.fail(
          new RootFsError({
            op,
            path: displayPath(path),
            reason: "TooLarge",
            detail: `is larger than ${Math.min(maxBytes, MAX_READ_BYTES)} bytes`
          })
        )
      }
      return Effect.succeed(e.data)
    })

  const service: RootFsService = {
    root: "/",
    hostPath: (path) => resolve("resolve", path),
    read: (path, options) => Effect.map(readBytes("read", path, options?.maxBytes), (d) => new Uint8Array(d)),
    readText: (path, options) =>
      Effect.map(readBytes("read", path, options?.maxBytes), (d) => new TextDecoder().decode(d)),
    write: (path, data, options) =>
      Effect.gen(function* () {
        const k = yield* resolve("write", path)
        if (k === "/")
          return yield* Effect.fail(
            new RootFsError({ op: "write", path: "/", reason: "Other", detail: "is the root folder" })
          )
        yield* mkdirSegments("write", posix.dirname(k), options.dirMode ?? 0o755)
        const existing = entries.get(k)
        if (existing?.kind === "dir") {
          return yield* Effect.fail(
            new RootFsError({ op: "write", path: displayPath(path), reason: "Exists", detail: "is a directory" })
          )
        }
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data)
        entries.set(k, { kind: "file", data: bytes, mode: options.mode })
      }),
    mkdir: (path, mode) =>
      Effect.flatMap(resolve("create folder", path), (k) => mkdirSegments("create folder", k, mode)),
    chmod: (path, mode) =>
      Effect.flatMap(resolve("chmod", path), (k) => {
        const e = entries.get(k)
        if (e === undefined) return Effect.fail(notFound("chmod", path))
        if (e.kind === "file" || e.kind === "dir") e.mode = mode
        return Effect.void
      }),
    remove: (path, options) =>
      Effect.flatMap(resolve("remove", path, false), (k) =>
        Effect.suspend(() => {
          const e = entries.get(k)
          if (e === undefined) return Effect.void
          const children = [...entries.keys()].filter((c) => c.startsWith(k === "/" ? "/" : k + "/") && c !== k)
          if (e.kind === "dir" && children.length > 0 && options?.recursive !== true) {
            return Effect.fail(
              new RootFsError({ op: "remove", path: displayPath(path), reason: "Other", detail: "directory not empty" })
            )
          }
          for (const c of children) entries.delete(c)
          entries.delete(k)
          return Effect.void
        })
      ),
    exists: (path) => Effect.map(resolve("check", path), (k) => entries.has(k)),
    list: (path) =>
      Effect.flatMap(resolve("list", path), (k) => {
        const e = entries.get(k)
        if (e === undefined) return Effect.fail(notFound("list", path))
        const prefix = k === "/" ? "/" : k + "/"
        return Effect.succeed(
          [...entries.keys()]
            .filter((c) => c.startsWith(prefix) && c !== k && !c.slice(prefix.length).includes("/"))
            .map((c) => c.slice(prefix.length))
            .sort()
        )
      }),
    stat: (path) =>
      Effect.map(resolve("stat", path), (k): Option.Option<EntryInfo> => {
        const e = entries.get(k)
        if (e === undefined) return Option.none()
        switch (e.kind) {
          case "dir":
            return Option.some({ type: "Directory", mode: e.mode, size: 0 })
          case "file":
            return Option.some({ type: "File", mode: e.mode, size: e.data.length })
          case "socket":
            return Option.some({ type: "Socket", mode: 0o755, size: 0 })
          case "symlink":
            return Option.some({ type: "SymbolicLink", mode: 0o777, size: 0 })
        }
      }),
    symlink: (target, path) =>
      Effect.gen(function* () {
        const k = yield* resolve("create symlink", path, false)
        if (target.startsWith("/")) {
          return yield* Effect.fail(
            escapeError(
              "create symlink",
              path,
              `the link target "${target}" is outside the root filesystem or absolute`
            )
          )
        }
        yield* mkdirSegments("create symlink", posix.dirname(k), 0o755)
        entries.set(k, { kind: "symlink", target })
      })
  }
  return {
    service,
    entries,
    text: (path: string) => {
      const e = entries.get(displayPath(path))
      return e?.kind === "file" ? new TextDecoder().decode(e.data) : undefined
    }
  }
}
