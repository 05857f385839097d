/**
 * The live `RootFs` on @effect/platform's FileSystem.
 *
 * Confinement is by real path: before any operation the deepest existing prefix
 * of the target is resolved with realpath and must lie inside the real root; a
 * dangling symlink on the way is checked by its link text. Operations then use
 * the resolved path, so what was checked is what is touched.
 */
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer, Option } from "effect"
import { randomBytes } from "node:crypto"
import * as posix from "node:path/posix"
import {
  confineSegments,
  displayPath,
  type EntryInfo,
  type EntryType,
  escapeError,
  RootFs,
  RootFsError,
  type RootFsErrorReason,
  type RootFsService
} from "./rootfs.js"

const reasonOf = (e: PlatformError): RootFsErrorReason => {
  if (e._tag !== "SystemError") return "Other"
  switch (e.reason) {
    case "NotFound":
      return "NotFound"
    case "AlreadyExists":
      return "Exists"
    case "PermissionDenied":
      return "PermissionDenied"
    default:
      return "Other"
  }
}

const detailOf = (e: PlatformError): string => {
  if (e._tag === "SystemError") {
    switch (e.reason) {
      case "NotFound":
        return "no such file or directory"
      case "AlreadyExists":
        return "file exists"
      case "PermissionDenied":
        return "permission denied"
      default:
        return e.description ?? e.reason
    }
  }
  return e.description ?? e.message
}

const typeOf = (t: FileSystem.File.Type): EntryType =>
  t === "File" ? "File" : t === "Directory" ? "Directory" : t === "SymbolicLink" ? "SymbolicLink" : t === "Socket" ? "Socket" : "Other"

export const makeRootFs = (root: string): Effect.Effect<RootFsService, RootFsError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const realRoot = yield* fs.realPath(posix.resolve(root)).pipe(
      Effect.mapError(
        (e) => new RootFsError({ op: "open the root filesystem", path: root, reason: reasonOf(e), detail: detailOf(e) })
      )
    )
    const inside = (p: string) => realRoot === "/" || p === realRoot || p.startsWith(realRoot + "/")
    const fail = (op: string, path: string) => (e: PlatformError) =>
      new RootFsError({ op, path: displayPath(path), reason: reasonOf(e), detail: detailOf(e) })
    const outside = (op: string, path: string) =>
      escapeError(op, path, `a symbolic link on the way points outside the root filesystem "${realRoot}"`)

    /**
     * The confined host path of `path`. With `followLast: false` the last segment is
     * not resolved (remove / replace a symlink itself).
     */
    const confine = (op: string, path: string, followLast = true): Effect.Effect<string, RootFsError> =>
      Effect.gen(function* () {
        const segments = yield* confineSegments(op, path)
        if (segments.length === 0) return realRoot
        const resolveUpTo = followLast ? segments.length : segments.length - 1
        for (let i = resolveUpTo; i >= 0; i--) {
          const prefix = posix.join(realRoot, ...segments.slice(0, i))
          const real = yield* Effect.option(fs.realPath(prefix))
          if (Option.isSome(real)) {
            if (!inside(real.value)) return yield* Effect.fail(outside(op, path))
            return posix.join(real.value, ...segments.slice(i))
          }
          // Not resolvable: either missing, or a dangling symlink whose target must stay inside too.
          const link = yield* Effect.option(fs.readLink(prefix))
          if (Option.isSome(link)) {
            const target = posix.resolve(posix.dirname(prefix), link.value)
            if (!inside(target)) return yield* Effect.fail(outside(op, path))
          }
        }
        return posix.join(realRoot, ...segments)
      })

    const statHost = (host: string) => Effect.option(fs.stat(host))

    const mkdirHost = (op: string, path: string, mode: number): Effect.Effect<void, RootFsError> =>
      Effect.gen(function* () {
        const segments = yield* confineSegments(op, path)
        for (let i = 1; i <= segments.length; i++) {
          const rel = segments.slice(0, i).join("/")
          const host = yield* confine(op, rel)
          const info = yield* statHost(host)
          if (Option.isSome(info)) {
            if (info.value.type !== "Directory") {
              return yield* Effect.fail(
                new RootFsError({ op, path: displayPath(rel), reason: "Exists", detail: "exists and is not a directory" })
              )
            }
            continue
          }
          yield* fs.makeDirectory(host, { mode }).pipe(
            Effect.catchIf(
              (e) => e._tag === "SystemError" && e.reason === "AlreadyExists",
              () => Effect.void
            ),
            Effect.zipRight(fs.chmod(host, mode)),
            Effect.mapError(fail(op, rel))
          )
        }
      })

    const service: RootFsService = {
      root: realRoot,
      hostPath: (path) => confine("resolve", path),
      read: (path) =>
        Effect.flatMap(confine("read", path), (host) => fs.readFile(host).pipe(Effect.mapError(fail("read", path)))),
      readText: (path) =>
        Effect.flatMap(confine("read", path), (host) =>
          fs.readFileString(host, "utf8").pipe(Effect.mapError(fail("read", path)))
        ),
      write: (path, data, options) =>
        Effect.gen(function* () {
          const op = "write"
          const segments = yield* confineSegments(op, path)
          if (segments.length === 0) return yield* Effect.fail(new RootFsError({ op, path: "/", reason: "Other", detail: "is the root folder" }))
          yield* mkdirHost(op, segments.slice(0, -1).join("/"), options.dirMode ?? 0o755)
          const host = yield* confine(op, path)
          const dir = posix.dirname(host)
          const tmp = posix.join(dir, `.${posix.basename(host)}.tmp-${randomBytes(6).toString("hex")}`)
          const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
          const writeTemp = Effect.scoped(
            Effect.gen(function* () {
              const file = yield* fs.open(tmp, { flag: "wx", mode: options.mode })
              yield* file.writeAll(bytes)
              yield* file.sync
            })
          )
          yield* writeTemp.pipe(
            Effect.zipRight(fs.chmod(tmp, options.mode)), // the umask may have narrowed or the caller asked for more
            Effect.zipRight(fs.rename(tmp, host)),
            Effect.tapError(() => Effect.ignore(fs.remove(tmp))),
            Effect.mapError(fail(op, path))
          )
          // Make the rename itself durable. Ignored on failure: some filesystems (certain FUSE and
          // network mounts) refuse fsync on a folder; the file's own bytes are already synced and the
          // rename is atomic, so only the rename's survival of a power cut is left to the kernel.
          yield* Effect.ignore(Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (d) => d.sync)))
        }),
      mkdir: (path, mode) => mkdirHost("create folder", path, mode),
      chmod: (path, mode) =>
        Effect.flatMap(confine("chmod", path), (host) => fs.chmod(host, mode).pipe(Effect.mapError(fail("chmod", path)))),
      remove: (path, options) =>
        Effect.flatMap(confine("remove", path, false), (host) =>
          fs.remove(host, { recursive: options?.recursive ?? false }).pipe(
            Effect.catchIf(
              (e) => e._tag === "SystemError" && e.reason === "NotFound",
              () => Effect.void
            ),
            Effect.mapError(fail("remove", path))
          )
        ),
      exists: (path) =>
        Effect.flatMap(confine("check", path), (host) => Effect.map(statHost(host), Option.isSome)),
      list: (path) =>
        Effect.flatMap(confine("list", path), (host) =>
          fs.readDirectory(host).pipe(
            Effect.map((names) => [...names].sort()),
            Effect.mapError(fail("list", path))
          )
        ),
      stat: (path) =>
        Effect.flatMap(confine("stat", path), (host) =>
          Effect.map(
            statHost(host),
            Option.map((i): EntryInfo => ({ type: typeOf(i.type), mode: i.mode & 0o7777, size: Number(i.size) }))
          )
        ),
      symlink: (target, path) =>
        Effect.gen(function* () {
          const op = "create symlink"
          const host = yield* confine(op, path, false)
          const resolvedTarget = target.startsWith("/")
            ? target
            : posix.join(posix.dirname(path.startsWith("/") ? path : "/" + path), target)
          // The link must not lead outside the root once followed.
          if (target.startsWith("/") || Option.isNone(yield* Effect.option(confineSegments(op, resolvedTarget)))) {
            return yield* Effect.fail(escapeError(op, path, `the link target "${target}" is outside the root filesystem or absolute`))
          }
          const tmp = posix.join(posix.dirname(host), `.${posix.basename(host)}.tmp-${randomBytes(6).toString("hex")}`)
          yield* fs.symlink(target, tmp).pipe(
            Effect.zipRight(fs.rename(tmp, host)),
            Effect.tapError(() => Effect.ignore(fs.remove(tmp))),
            Effect.mapError(fail(op, path))
          )
        })
    }
    return service
  })

/** `RootFs` over a FileSystem from the context. */
export const rootFsLayer = (root: string): Layer.Layer<RootFs, RootFsError, FileSystem.FileSystem> =>
  Layer.effect(RootFs, makeRootFs(root))

/** `RootFs` over Node's file system. */
export const rootFsLive = (root: string): Layer.Layer<RootFs, RootFsError> =>
  rootFsLayer(root).pipe(Layer.provide(NodeFileSystem.layer))
