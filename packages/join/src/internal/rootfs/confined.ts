/**
 * File access confined to a root by file descriptor, not by path string.
 *
 * Checking a real path and then opening it by name is a race: a process that swaps a
 * folder of the root with a symlink in between (renameat2 RENAME_EXCHANGE) gets the
 * write outside the root. So nothing here re-walks a path string. Each component is
 * opened with O_NOFOLLOW relative to the folder opened before it, through
 * `/proc/self/fd/<fd>/<name>`: the kernel resolves that magic link to the very folder the
 * descriptor holds (wherever it is now), then looks up one name in it. Symlinks met on
 * the way are read and resolved here, inside the root, like openat2's RESOLVE_IN_ROOT
 * without a native addon: an absolute target starts again at the root, `..` above the
 * root is an Escape. Temp files are created with O_EXCL|O_NOFOLLOW in the folder's descriptor and
 * renamed within it, so the last step cannot be redirected either.
 *
 * Synchronous on purpose: every call is a handful of local syscalls, descriptors are
 * closed before returning, and the --config reader (a synchronous validation step)
 * shares it.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as posix from "node:path/posix"
import { Option } from "effect"
import { normalizeSegments, TEMP_PATTERN } from "../../rootfs/paths.js"
import { crashNow, partialWriteBytes } from "../crash/crash-points.js"

const C = fs.constants
const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW
const READ_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK // NONBLOCK: a FIFO must not hang the open
const TEMP_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW
const MAX_LINKS = 40

/** Thrown when a path leaves the root; the caller words it as a RootFsError of reason Escape. */
export class EscapeSignal extends Error {}

/** Thrown for a file that is not what a read accepts (not regular, too large). */
export class RejectSignal extends Error {
  constructor(
    readonly reason: "NotRegular" | "TooLarge",
    message: string
  ) {
    super(message)
  }
}

const at = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`)

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code

const lstatOrUndefined = (p: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(p)
  } catch (e) {
    if (code(e) === "ENOENT" || code(e) === "ENOTDIR") return undefined
    throw e
  }
}

const closeQuietly = (fd: number) => {
  try {
    fs.closeSync(fd)
  } catch {
    /* already closed or never valid: nothing to release */
  }
}

export interface Resolved {
  /** The folder holding `name` (or the target folder itself when `name` is undefined); the caller closes it. */
  readonly fd: number
  readonly name: string | undefined
  /** The root-relative segments actually reached, after symlinks. */
  readonly segments: ReadonlyArray<string>
}

export interface WalkOptions {
  /** Resolve a symlink in the last component too (read, write) or leave it (remove, symlink). */
  readonly followLast: boolean
  /** Open the last component as a folder as well (mkdir, list): `name` is then undefined. */
  readonly lastIsDir?: boolean
  /** Create missing folders on the way with this mode (exactly, whatever the umask). */
  readonly createMode?: number
}

export interface ConfinedRoot {
  readonly realRoot: string
  readonly walk: (segments: ReadonlyArray<string>, options: WalkOptions) => Resolved
  readonly readFile: (segments: ReadonlyArray<string>, maxBytes: number) => Buffer
  readonly writeFile: (segments: ReadonlyArray<string>, data: Uint8Array, mode: number, dirMode: number) => void
  readonly mkdir: (segments: ReadonlyArray<string>, mode: number) => void
  readonly chmod: (segments: ReadonlyArray<string>, mode: number) => void
  readonly remove: (segments: ReadonlyArray<string>, recursive: boolean) => void
  readonly lstat: (segments: ReadonlyArray<string>) => fs.Stats | undefined
  readonly list: (segments: ReadonlyArray<string>) => ReadonlyArray<string>
  readonly symlink: (target: string, segments: ReadonlyArray<string>) => void
}

/** Temp files this process is writing right now: the leftover sweep must not take them. */
const inFlight = new Set<string>()

/** `realRoot` must be a real path (no symlinks), as realpath returns it. */
export const confinedRoot = (realRoot: string): ConfinedRoot => {
  const openRoot = () => fs.openSync(realRoot, C.O_RDONLY | C.O_DIRECTORY)

  /** The segments a symlink leads to, resolved against the root, or an Escape. */
  const followLink = (done: ReadonlyArray<string>, target: string, rest: ReadonlyArray<string>): Array<string> => {
    // An absolute target is a path of the machine whose root this is (the kubelet links
    // kubelet-client-current.pem to /var/lib/kubelet/pki/...): it starts again at the root.
    const base: ReadonlyArray<string> = target.startsWith("/") ? [] : done
    const next = normalizeSegments([...base, target, ...rest].join("/"))
    if (Option.isNone(next))
      throw new EscapeSignal(`a symbolic link on the way points outside the root filesystem "${realRoot}"`)
    return [...next.value]
  }

  /**
   * Where the walk goes on after meeting a symlink at `name`: its target resolved in the root,
   * or, when the link was swapped back for something else meanwhile, the same path again.
   */
  const afterLink = (
    fd: number,
    done: ReadonlyArray<string>,
    name: string,
    rest: ReadonlyArray<string>
  ): Array<string> => {
    let target: string
    try {
      target = fs.readlinkSync(at(fd, name))
    } catch (e) {
      if (code(e) === "EINVAL" || code(e) === "ENOENT") return [...done, name, ...rest]
      throw e
    }
    return followLink(done, target, rest)
  }

  const walk = (segments: ReadonlyArray<string>, options: WalkOptions): Resolved => {
    let pending = [...segments]
    let links = 0
    // Bounds symlink hops and the restarts a racing swap causes alike.
    const countLink = () => {
      if (++links > MAX_LINKS) throw Object.assign(new Error("too many levels of symbolic links"), { code: "ELOOP" })
    }
    restart: for (;;) {
      let fd = openRoot()
      const done: Array<string> = []
      try {
        for (;;) {
          const name = pending[0]
          if (name === undefined) break
          const last = pending.length === 1
          if (last && !options.lastIsDir) {
            if (options.followLast) {
              const st = lstatOrUndefined(at(fd, name))
              if (st?.isSymbolicLink()) {
                countLink()
                pending = afterLink(fd, done, name, [])
                closeQuietly(fd)
                continue restart
              }
            }
            return { fd, name, segments: [...done, name] }
          }
          let next: number
          try {
            next = fs.openSync(at(fd, name), DIR_FLAGS)
          } catch (e) {
            if (code(e) === "ENOENT" && options.createMode !== undefined) {
              try {
                fs.mkdirSync(at(fd, name), options.createMode)
              } catch (m) {
                if (code(m) !== "EEXIST") throw m
              }
              const created = fs.openSync(at(fd, name), DIR_FLAGS)
              try {
                fs.fchmodSync(created, options.createMode) // the umask may have narrowed it
              } catch (c) {
                closeQuietly(created)
                throw c
              }
              next = created
            } else if (code(e) === "ENOTDIR" || code(e) === "ELOOP") {
              const st = lstatOrUndefined(at(fd, name))
              if (st !== undefined && !st.isSymbolicLink() && !st.isDirectory()) throw e
              // A symlink to follow, or (swapped back meanwhile) a folder or nothing: walk again.
              countLink()
              pending = afterLink(fd, done, name, pending.slice(1))
              closeQuietly(fd)
              continue restart
            } else {
              throw e
            }
          }
          closeQuietly(fd)
          fd = next
          done.push(name)
          pending.shift()
        }
        return { fd, name: undefined, segments: done }
      } catch (e) {
        closeQuietly(fd)
        throw e
      }
    }
  }

  const withResolved = <A>(segments: ReadonlyArray<string>, options: WalkOptions, f: (r: Resolved) => A): A => {
    const r = walk(segments, options)
    try {
      return f(r)
    } finally {
      closeQuietly(r.fd)
    }
  }

  /** Opens the target itself (following a final symlink inside the root). */
  const openTarget = (segments: ReadonlyArray<string>, flags: number): number =>
    withResolved(segments, { followLast: true }, (r) =>
      r.name === undefined ? fs.openSync(at(r.fd), C.O_RDONLY | C.O_DIRECTORY) : fs.openSync(at(r.fd, r.name), flags)
    )

  const readFile = (segments: ReadonlyArray<string>, maxBytes: number): Buffer => {
    const fd = openTarget(segments, READ_FLAGS)
    try {
      const st = fs.fstatSync(fd)
      if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" })
      if (!st.isFile()) throw new RejectSignal("NotRegular", "is not a regular file")
      if (st.size > maxBytes) throw new RejectSignal("TooLarge", `is larger than ${maxBytes} bytes`)
      // The size may lie (/proc files say 0, a file may grow): read to EOF, never past the cap.
      const chunks: Array<Buffer> = []
      let total = 0
      for (;;) {
        const chunk = Buffer.allocUnsafe(64 * 1024)
        const n = fs.readSync(fd, chunk, 0, chunk.length, null)
        if (n === 0) break
        total += n
        if (total > maxBytes) throw new RejectSignal("TooLarge", `is larger than ${maxBytes} bytes`)
        chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n))
      }
      return Buffer.concat(chunks, total)
    } finally {
      closeQuietly(fd)
    }
  }

  /** Leftover temp files of a crashed run in this folder (they may hold a private key). */
  const sweepTemps = (dirFd: number) => {
    for (const entry of fs.readdirSync(at(dirFd))) {
      if (!TEMP_PATTERN.test(entry) || inFlight.has(entry)) continue
      try {
        fs.unlinkSync(at(dirFd, entry))
      } catch {
        /* gone already, or not ours to remove: the write itself does not depend on it */
      }
    }
  }

  const tempName = (name: string) => `.${name}.tmp-${randomBytes(6).toString("hex")}`

  /** Creates `name` in the folder `dir` as a temp entry (`create` gets its path) renamed into place. */
  const placeAtomically = (dir: number, name: string, create: (tmpPath: string) => void) => {
    const tmp = tempName(name)
    inFlight.add(tmp)
    try {
      create(at(dir, tmp))
      fs.renameSync(at(dir, tmp), at(dir, name))
    } catch (e) {
      try {
        fs.unlinkSync(at(dir, tmp))
      } catch {
        /* never created, or renamed already */
      }
      throw e
    } finally {
      inFlight.delete(tmp)
    }
  }

  const writeFile = (segments: ReadonlyArray<string>, data: Uint8Array, mode: number, dirMode: number) =>
    withResolved(segments, { followLast: true, createMode: dirMode }, ({ fd: dir, name }) => {
      if (name === undefined) throw Object.assign(new Error("is the root folder"), { code: "EISDIR" })
      sweepTemps(dir)
      // Test-only (crash-points.ts): a kill in the middle of this write, after part of the temp file.
      const cut = partialWriteBytes(segments.join("/"))
      placeAtomically(dir, name, (tmp) => {
        const file = fs.openSync(tmp, TEMP_FLAGS, mode)
        try {
          let offset = 0
          if (cut !== undefined) {
            while (offset < Math.min(cut, data.length))
              offset += fs.writeSync(file, data, offset, Math.min(cut, data.length) - offset)
            fs.fsyncSync(file)
            crashNow(`write:/${segments.join("/")}:${cut}`)
          }
          while (offset < data.length) offset += fs.writeSync(file, data, offset, data.length - offset)
          fs.fchmodSync(file, mode) // the umask may have narrowed it, or the caller asked for more
          fs.fsyncSync(file)
        } finally {
          closeQuietly(file)
        }
      })
      // Make the rename durable. Ignored on failure: some filesystems (certain FUSE and network
      // mounts) refuse fsync on a folder; the file's bytes are synced and the rename is atomic.
      try {
        fs.fsyncSync(dir)
      } catch {
        /* see above */
      }
    })

  const mkdir = (segments: ReadonlyArray<string>, mode: number) =>
    withResolved(segments, { followLast: true, lastIsDir: true, createMode: mode }, () => undefined)

  const chmod = (segments: ReadonlyArray<string>, mode: number) => {
    const fd = openTarget(segments, READ_FLAGS)
    try {
      fs.fchmodSync(fd, mode)
    } finally {
      closeQuietly(fd)
    }
  }

  /** Removes a folder's content through descriptors: a swapped-in symlink is unlinked, never followed. */
  const removeTree = (parent: number, name: string) => {
    let dir: number
    try {
      dir = fs.openSync(at(parent, name), DIR_FLAGS)
    } catch (e) {
      if (code(e) === "ENOTDIR" || code(e) === "ELOOP") {
        fs.unlinkSync(at(parent, name))
        return
      }
      throw e
    }
    try {
      for (const entry of fs.readdirSync(at(dir), { withFileTypes: true })) {
        if (entry.isDirectory()) removeTree(dir, entry.name)
        else fs.unlinkSync(at(dir, entry.name))
      }
    } finally {
      closeQuietly(dir)
    }
    fs.rmdirSync(at(parent, name))
  }

  const remove = (segments: ReadonlyArray<string>, recursive: boolean) =>
    withResolved(segments, { followLast: false }, ({ fd, name }) => {
      if (name === undefined) throw Object.assign(new Error("is the root folder"), { code: "EBUSY" })
      const st = lstatOrUndefined(at(fd, name))
      if (st === undefined) return
      if (!st.isDirectory()) return fs.unlinkSync(at(fd, name))
      return recursive ? removeTree(fd, name) : fs.rmdirSync(at(fd, name))
    })

  const lstat = (segments: ReadonlyArray<string>): fs.Stats | undefined => {
    try {
      return withResolved(segments, { followLast: true }, ({ fd, name }) =>
        name === undefined ? fs.fstatSync(fd) : lstatOrUndefined(at(fd, name))
      )
    } catch (e) {
      // A missing folder on the way (or a file where a folder should be): the path does not exist.
      if (code(e) === "ENOENT" || code(e) === "ENOTDIR") return undefined
      throw e
    }
  }

  const list = (segments: ReadonlyArray<string>) =>
    withResolved(segments, { followLast: true, lastIsDir: true }, ({ fd }) => [...fs.readdirSync(at(fd))].sort())

  const symlink = (target: string, segments: ReadonlyArray<string>) =>
    withResolved(segments, { followLast: false }, ({ fd: dir, name }) => {
      if (name === undefined) throw Object.assign(new Error("is the root folder"), { code: "EISDIR" })
      placeAtomically(dir, name, (tmp) => fs.symlinkSync(target, tmp))
    })

  return { realRoot, walk, readFile, writeFile, mkdir, chmod, remove, lstat, list, symlink }
}

/** Whether descriptor-relative paths work here (Linux with /proc mounted). */
export const procFdAvailable = (): boolean => {
  try {
    const fd = fs.openSync("/", C.O_RDONLY | C.O_DIRECTORY)
    try {
      return fs.statSync(at(fd)).isDirectory() && posix.isAbsolute(fs.readlinkSync(at(fd)))
    } finally {
      closeQuietly(fd)
    }
  } catch {
    return false
  }
}
