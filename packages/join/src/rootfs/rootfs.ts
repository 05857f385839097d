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
import { Context, Effect, Layer, Option } from "effect"
import * as dryRun from "../internal/rootfs/dry-run.js"
import * as live from "../internal/rootfs/live.js"
import * as memory from "../internal/rootfs/memory.js"
import { Output } from "../output.js"
import type { RootFsError } from "./errors.js"

export * from "./errors.js"
export * from "./paths.js"
export type { MemoryEntry, MemorySeed } from "../internal/rootfs/memory.js"

/** Limits on a read. */
export interface ReadOptions {
  /** A smaller cap than MAX_READ_BYTES (larger is not possible). */
  readonly maxBytes?: number
}

/** The kind of a directory entry, as lstat sees it (symlinks are not followed). */
export type EntryType = "File" | "Directory" | "SymbolicLink" | "Socket" | "Other"

/** What `stat` tells about a path. */
export interface EntryInfo {
  readonly type: EntryType
  /** Permission bits only (e.g. 0o600). */
  readonly mode: number
  readonly size: number
}

/** How a written file and the folders created for it are set up. */
export interface WriteOptions {
  /** Permission bits of the file, e.g. 0o600 for keys and kubeconfigs with credentials. */
  readonly mode: number
  /** Mode of parent folders created on the way (default 0o755). */
  readonly dirMode?: number
}

/** The machine's filesystem seen from its root (`/`, or `--rootfs`): paths never escape it, even through symlinks. */
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

/** File access confined to the root. */
export class RootFs extends Context.Tag("@kubeadm-ts/join/RootFs")<RootFs, RootFsService>() {}

/** The live RootFs over the machine's file system, confined to `root` (fails when `root` can't be opened). */
export const layer = (root: string): Layer.Layer<RootFs, RootFsError> => Layer.effect(RootFs, live.make(root))

/**
 * The `--dry-run` RootFs over the machine at `root`: reads are real (or see what this run would
 * have written), every write, folder, mode change, removal and symlink is printed on Output
 * (`[dryrun] Would write file ...`) and kept in memory, never applied.
 */
export const layerDryRun = (root: string): Layer.Layer<RootFs, RootFsError, Output> =>
  Layer.effect(
    RootFs,
    Effect.gen(function* () {
      return dryRun.make(yield* live.make(root), yield* Output)
    })
  )

/** `service` with its changes printed on Output and kept in memory (the dry-run layer over any RootFs, for tests). */
export const dryRunOver = (service: RootFsService): Layer.Layer<RootFs, never, Output> =>
  Layer.effect(
    RootFs,
    Effect.map(Output, (out) => dryRun.make(service, out))
  )

/** A RootFs whose methods die unless `partial` gives them (the root is `/`). */
export const layerTest = (partial: Partial<RootFsService> = {}): Layer.Layer<RootFs> =>
  Layer.succeed(RootFs, {
    root: "/",
    hostPath: (path) => Effect.die(`RootFs.hostPath(${path}) was not expected by this test`),
    read: (path) => Effect.die(`RootFs.read(${path}) was not expected by this test`),
    readText: (path) => Effect.die(`RootFs.readText(${path}) was not expected by this test`),
    write: (path) => Effect.die(`RootFs.write(${path}) was not expected by this test`),
    mkdir: (path) => Effect.die(`RootFs.mkdir(${path}) was not expected by this test`),
    chmod: (path) => Effect.die(`RootFs.chmod(${path}) was not expected by this test`),
    remove: (path) => Effect.die(`RootFs.remove(${path}) was not expected by this test`),
    exists: (path) => Effect.die(`RootFs.exists(${path}) was not expected by this test`),
    list: (path) => Effect.die(`RootFs.list(${path}) was not expected by this test`),
    stat: (path) => Effect.die(`RootFs.stat(${path}) was not expected by this test`),
    symlink: (_target, path) => Effect.die(`RootFs.symlink(${path}) was not expected by this test`),
    ...partial
  })

/** An in-memory RootFs with the live layer's confinement and error rules, to seed and inspect in tests. */
export interface FakeRootFs {
  readonly layer: Layer.Layer<RootFs>
  readonly service: RootFsService
  /** Entries keyed by their `/a/b` path (folders included). */
  readonly entries: Map<string, memory.MemoryEntry>
  /** Text of a file, undefined when missing. */
  readonly text: (path: string) => string | undefined
}

/** An in-memory RootFs seeded with files; tests read back what the join wrote. */
export const fake = (seed: memory.MemorySeed = {}): FakeRootFs => {
  const m = memory.make(seed)
  return { ...m, layer: Layer.succeed(RootFs, m.service) }
}

/** Convenience accessors. */
export const readText = (path: string) => Effect.flatMap(RootFs, (fs) => fs.readText(path))
/** Whether a path exists, from the RootFs in the context. */
export const exists = (path: string) => Effect.flatMap(RootFs, (fs) => fs.exists(path))
