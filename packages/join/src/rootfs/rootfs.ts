/**
 * `RootFs`: every file access of a join, relative to `--rootfs` (default `/`).
 *
 * Paths are always given as seen from inside the root (`/etc/kubernetes/kubelet.conf`
 * or `etc/kubernetes/kubelet.conf`, same thing). A path whose `..` segments climb
 * above the root, or that crosses a symlink resolving outside the root, is refused
 * with a `RootFsError` of reason `Escape` before anything is touched.
 *
 * Writes are atomic (temp file in the same folder, fsync, rename) and always carry
 * an explicit mode, so a crash never leaves a half-written kubeconfig and a private
 * key is never readable by others, whatever the umask. A write also removes the temp
 * files a crashed run left in the same folder (they may hold a private key).
 *
 * Reads accept regular files only, up to `MAX_READ_BYTES` (or a smaller cap): a
 * user-given path (--config, --discovery-file) may name /dev/zero, a FIFO or a huge file.
 */
import { Context, Data, Effect, Option } from "effect"

export type RootFsErrorReason = "Escape" | "NotFound" | "Exists" | "PermissionDenied" | "NotRegular" | "TooLarge" | "Other"

/**
 * The largest file a join reads. Everything it reads (kubeconfigs, certificates, manifests,
 * /proc files) is a few kilobytes; more is a mistake or an attack on memory.
 */
export const MAX_READ_BYTES = 1024 * 1024

/**
 * The largest YAML file a user names (--config, --discovery-file). A real one is a few
 * kilobytes; the yaml parser needs about 1 s and 180 MB for 256 KiB, so it is the cap.
 */
export const MAX_USER_YAML_BYTES = 256 * 1024

/** The temp files writes create: `.<name>.tmp-<12 hex>` (anything else is never swept). */
export const TEMP_PATTERN = /^\..+\.tmp-[0-9a-f]{12}$/

export interface ReadOptions {
  /** A smaller cap than MAX_READ_BYTES (larger is not possible). */
  readonly maxBytes?: number
}

export class RootFsError extends Data.TaggedError("RootFsError")<{
  readonly op: string
  /** The path as seen inside the root, with a leading `/`. */
  readonly path: string
  readonly reason: RootFsErrorReason
  readonly detail: string
}> {
  override get message() {
    return this.reason === "Escape"
      ? `refusing to ${this.op} "${this.path}": ${this.detail}`
      : `couldn't ${this.op} "${this.path}": ${this.detail}`
  }
}

export type EntryType = "File" | "Directory" | "SymbolicLink" | "Socket" | "Other"

export interface EntryInfo {
  readonly type: EntryType
  /** Permission bits only (e.g. 0o600). */
  readonly mode: number
  readonly size: number
}

export interface WriteOptions {
  /** Permission bits of the file, e.g. 0o600 for keys and kubeconfigs with credentials. */
  readonly mode: number
  /** Mode of parent folders created on the way (default 0o755). */
  readonly dirMode?: number
}

export interface RootFsService {
  /** The host path of the root (`/` unless `--rootfs` was given). */
  readonly root: string
  /** The confined host path of a root-relative path (for tools that need a real path: sockets, child processes). */
  readonly hostPath: (path: string) => Effect.Effect<string, RootFsError>
  /** A regular file of at most `MAX_READ_BYTES` (NotRegular / TooLarge otherwise). */
  readonly read: (path: string, options?: ReadOptions) => Effect.Effect<Uint8Array, RootFsError>
  readonly readText: (path: string, options?: ReadOptions) => Effect.Effect<string, RootFsError>
  /** Atomic replace with an explicit mode; creates missing parent folders. */
  readonly write: (path: string, data: string | Uint8Array, options: WriteOptions) => Effect.Effect<void, RootFsError>
  /** `mkdir -p`; folders it creates get exactly `mode`. */
  readonly mkdir: (path: string, mode: number) => Effect.Effect<void, RootFsError>
  readonly chmod: (path: string, mode: number) => Effect.Effect<void, RootFsError>
  /** Removes a file, symlink or (with recursive) a folder; a missing path is not an error. */
  readonly remove: (path: string, options?: { readonly recursive?: boolean }) => Effect.Effect<void, RootFsError>
  readonly exists: (path: string) => Effect.Effect<boolean, RootFsError>
  /** Entry names of a folder, sorted. */
  readonly list: (path: string) => Effect.Effect<ReadonlyArray<string>, RootFsError>
  /** Follows symlinks (confined); `None` when the path does not exist. */
  readonly stat: (path: string) => Effect.Effect<Option.Option<EntryInfo>, RootFsError>
  /** Creates (or atomically replaces) a symlink at `path` pointing at `target` (relative targets recommended). */
  readonly symlink: (target: string, path: string) => Effect.Effect<void, RootFsError>
}

export class RootFs extends Context.Tag("@kubeadm-ts/join/RootFs")<RootFs, RootFsService>() {}

/**
 * Splits a root-relative path into its segments, resolving `.` and `..`.
 * `None` when `..` climbs above the root.
 */
export const normalizeSegments = (path: string): Option.Option<ReadonlyArray<string>> => {
  const out: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") {
      if (out.length === 0) return Option.none()
      out.pop()
    } else {
      out.push(segment)
    }
  }
  return Option.some(out)
}

/** `/a/b` display form of a root-relative path. */
export const displayPath = (path: string): string => {
  const segments = normalizeSegments(path)
  return Option.isSome(segments) ? "/" + segments.value.join("/") : path
}

/** The path with its root prefix stripped, for messages. */
export const escapeError = (op: string, path: string, why: string) =>
  new RootFsError({ op, path: displayPath(path), reason: "Escape", detail: why })

/** Normalised segments or an Escape error. */
export const confineSegments = (op: string, path: string): Effect.Effect<ReadonlyArray<string>, RootFsError> =>
  Option.match(normalizeSegments(path), {
    onNone: () => Effect.fail(escapeError(op, path, "the path climbs above the root filesystem with '..'")),
    onSome: Effect.succeed
  })

/** Convenience accessors. */
export const readText = (path: string) => Effect.flatMap(RootFs, (fs) => fs.readText(path))
export const exists = (path: string) => Effect.flatMap(RootFs, (fs) => fs.exists(path))
