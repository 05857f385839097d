/**
 * The live `RootFs`: every operation goes through `confinedRoot` (./confined.ts), which
 * walks the path by file descriptor with O_NOFOLLOW and resolves symlinks itself inside
 * the root, so a folder swapped for a symlink mid-operation cannot redirect it outside.
 */
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import * as posix from "node:path/posix"
import { confinedRoot, EscapeSignal, procFdAvailable, RejectSignal } from "./confined.js"
import { RootFsError, type RootFsErrorReason } from "../../rootfs/errors.js"
import { confineSegments, displayPath, escapeError, MAX_READ_BYTES } from "../../rootfs/paths.js"
import type { EntryInfo, EntryType, ReadOptions, RootFsService } from "../../rootfs/rootfs.js"

const reasonOfCode = (code: string | undefined): RootFsErrorReason => {
  switch (code) {
    case "ENOENT":
      return "NotFound"
    case "EEXIST":
    case "ENOTDIR":
    case "EISDIR":
      return "Exists"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    default:
      return "Other"
  }
}

const detailOfCode = (code: string | undefined, e: Error): string => {
  switch (code) {
    case "ENOENT":
      return "no such file or directory"
    case "EEXIST":
      return "file exists"
    case "ENOTDIR":
      return "exists and is not a directory"
    case "EISDIR":
      return "is a directory"
    case "EACCES":
    case "EPERM":
      return "permission denied"
    case "ELOOP":
      return "too many levels of symbolic links"
    case "ENOTEMPTY":
      return "directory not empty"
    default:
      // A Node errno message repeats the /proc/self/fd path: keep only the OS's words.
      return code !== undefined ? e.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '[^']*'.*$/, "") : e.message
  }
}

const capOf = (options: ReadOptions | undefined) => Math.min(MAX_READ_BYTES, options?.maxBytes ?? MAX_READ_BYTES)

const typeOf = (s: fs.Stats): EntryType =>
  s.isFile()
    ? "File"
    : s.isDirectory()
      ? "Directory"
      : s.isSymbolicLink()
        ? "SymbolicLink"
        : s.isSocket()
          ? "Socket"
          : "Other"

export const make = (root: string): Effect.Effect<RootFsService, RootFsError> =>
  Effect.gen(function* () {
    const opening = (detail: string, reason: RootFsErrorReason = "Other") =>
      new RootFsError({ op: "open the root filesystem", path: root, reason, detail })
    const realRoot = yield* Effect.try({
      try: () => fs.realpathSync(posix.resolve(root)),
      catch: (e) =>
        opening(
          detailOfCode((e as NodeJS.ErrnoException).code, e as Error),
          reasonOfCode((e as NodeJS.ErrnoException).code)
        )
    })
    if (!procFdAvailable())
      return yield* Effect.fail(opening("/proc/self/fd is not available: file access cannot be confined to the root"))
    const confined = confinedRoot(realRoot)

    /** Runs one confined operation on the normalised segments, mapping what it throws. */
    const op = <A>(
      name: string,
      path: string,
      f: (segments: ReadonlyArray<string>) => A
    ): Effect.Effect<A, RootFsError> =>
      Effect.flatMap(confineSegments(name, path), (segments) =>
        Effect.try({
          try: () => f(segments),
          catch: (e) => {
            if (e instanceof EscapeSignal) return escapeError(name, path, e.message)
            if (e instanceof RejectSignal)
              return new RootFsError({ op: name, path: displayPath(path), reason: e.reason, detail: e.message })
            const err = e as NodeJS.ErrnoException
            return new RootFsError({
              op: name,
              path: displayPath(path),
              reason: reasonOfCode(err.code),
              detail: detailOfCode(err.code, err)
            })
          }
        })
      )

    const notRoot = (name: string) => (segments: ReadonlyArray<string>) =>
      segments.length === 0
        ? Effect.fail(new RootFsError({ op: name, path: "/", reason: "Other", detail: "is the root folder" }))
        : Effect.void

    const service: RootFsService = {
      root: realRoot,
      hostPath: (path) =>
        op("resolve", path, (segments) => {
          const r = confined.walk(segments, { followLast: true })
          fs.closeSync(r.fd)
          return posix.join(realRoot, ...r.segments)
        }),
      read: (path, options) =>
        op("read", path, (segments) => new Uint8Array(confined.readFile(segments, capOf(options)))),
      readText: (path, options) =>
        op("read", path, (segments) => confined.readFile(segments, capOf(options)).toString("utf8")),
      write: (path, data, options) =>
        Effect.flatMap(confineSegments("write", path), notRoot("write")).pipe(
          Effect.zipRight(
            op("write", path, (segments) =>
              confined.writeFile(
                segments,
                typeof data === "string" ? new TextEncoder().encode(data) : data,
                options.mode,
                options.dirMode ?? 0o755
              )
            )
          )
        ),
      mkdir: (path, mode) => op("create folder", path, (segments) => confined.mkdir(segments, mode)),
      chmod: (path, mode) => op("chmod", path, (segments) => confined.chmod(segments, mode)),
      remove: (path, options) =>
        op("remove", path, (segments) => confined.remove(segments, options?.recursive ?? false)),
      exists: (path) => op("check", path, (segments) => confined.lstat(segments) !== undefined),
      list: (path) => op("list", path, (segments) => confined.list(segments)),
      stat: (path) =>
        Effect.map(
          op("stat", path, (segments) => confined.lstat(segments)),
          (s) =>
            s === undefined
              ? Option.none()
              : Option.some<EntryInfo>({ type: typeOf(s), mode: s.mode & 0o7777, size: s.size })
        ),
      symlink: (target, path) =>
        Effect.gen(function* () {
          const name = "create symlink"
          const resolvedTarget = target.startsWith("/")
            ? target
            : posix.join(posix.dirname(path.startsWith("/") ? path : "/" + path), target)
          // The link must not lead outside the root once followed.
          if (target.startsWith("/") || Option.isNone(yield* Effect.option(confineSegments(name, resolvedTarget)))) {
            return yield* Effect.fail(
              escapeError(name, path, `the link target "${target}" is outside the root filesystem or absolute`)
            )
          }
          yield* op(name, path, (segments) => confined.symlink(target, segments))
        })
    }
    return service
  })
