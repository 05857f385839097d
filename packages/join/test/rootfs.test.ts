import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, Option } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { MAX_READ_BYTES, normalizeSegments, RootFs, type RootFsService } from "../src/rootfs/index.js"
import * as rootfs from "../src/rootfs/rootfs.js"

const tempRoot = () => fs.mkdtempSync(path.join(os.tmpdir(), "rootfs-test-"))

const withLive = <A, E>(root: string, f: (r: RootFsService) => Effect.Effect<A, E>) =>
  Effect.flatMap(RootFs, f).pipe(Effect.provide(rootfs.layer(root)))

describe("RootFs (live)", () => {
  it.effect("writes atomically with the exact mode, creating parents, and reads back", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      const old = process.umask(0o077) // a hostile umask must not change the explicit modes
      try {
        yield* withLive(root, (r) =>
          Effect.gen(function* () {
            yield* r.write("/etc/kubernetes/pki/ca.crt", "CA", { mode: 0o644 })
            yield* r.write("var/lib/kubelet/pki/key.pem", "KEY", { mode: 0o600, dirMode: 0o700 })
            expect(yield* r.readText("etc/kubernetes/pki/ca.crt")).toBe("CA")
            yield* r.write("/etc/kubernetes/pki/ca.crt", "CA2", { mode: 0o644 })
            expect(yield* r.readText("/etc/kubernetes/pki/ca.crt")).toBe("CA2")
            expect(yield* r.list("/etc/kubernetes/pki")).toEqual(["ca.crt"]) // no temp file left behind
          })
        )
      } finally {
        process.umask(old)
      }
      expect(fs.statSync(path.join(root, "etc/kubernetes/pki/ca.crt")).mode & 0o777).toBe(0o644)
      expect(fs.statSync(path.join(root, "var/lib/kubelet/pki/key.pem")).mode & 0o777).toBe(0o600)
      expect(fs.statSync(path.join(root, "var/lib/kubelet")).mode & 0o777).toBe(0o700)
      expect(fs.statSync(path.join(root, "etc/kubernetes")).mode & 0o777).toBe(0o755)
    })
  )

  it.effect("mkdir -p with mode, chmod, exists, stat, remove", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      yield* withLive(root, (r) =>
        Effect.gen(function* () {
          yield* r.mkdir("/a/b/c", 0o700)
          expect(yield* r.exists("/a/b/c")).toBe(true)
          expect(yield* r.exists("/a/x")).toBe(false)
          yield* r.write("/a/b/f", "x", { mode: 0o644 })
          yield* r.chmod("/a/b/f", 0o600)
          const info = yield* r.stat("/a/b/f")
          expect(Option.map(info, (i) => [i.type, i.mode, i.size])).toEqual(Option.some(["File", 0o600, 1]))
          yield* r.remove("/a/b/f")
          yield* r.remove("/a/b/f") // missing is fine
          expect(yield* r.exists("/a/b/f")).toBe(false)
          yield* r.remove("/a", { recursive: true })
          expect(yield* r.exists("/a")).toBe(false)
        })
      )
    })
  )

  it.effect("refuses '..' escapes before touching anything", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      const result = yield* withLive(root, (r) => Effect.either(r.write("../outside.txt", "x", { mode: 0o644 })))
      expect(Either.isLeft(result) && result.left.reason).toBe("Escape")
      expect(Either.isLeft(result) && result.left.message).toContain("climbs above the root")
      expect(fs.existsSync(path.join(path.dirname(root), "outside.txt"))).toBe(false)
      // `..` that stays inside is fine.
      yield* withLive(root, (r) => r.write("/a/../b.txt", "ok", { mode: 0o644 }))
      expect(fs.readFileSync(path.join(root, "b.txt"), "utf8")).toBe("ok")
    })
  )

  it.effect(
    "symlinks never lead out of the root: absolute targets start again at the root, '..' above it is refused",
    () =>
      Effect.gen(function* () {
        const root = tempRoot()
        const outside = tempRoot()
        fs.writeFileSync(path.join(outside, "secret"), "host file")
        fs.mkdirSync(path.join(root, "etc"))
        fs.symlinkSync(outside, path.join(root, "etc/kubernetes")) // absolute: <root><outside>, not the host's folder
        fs.symlinkSync("../../" + path.basename(outside), path.join(root, "etc/rel")) // relative, above the root
        fs.symlinkSync(path.join(outside, "missing-dir"), path.join(root, "dangling")) // dangling, absolute
        fs.mkdirSync(path.join(root, "real"))
        fs.symlinkSync("../real", path.join(root, "etc/inside")) // relative, inside: allowed
        fs.symlinkSync("/real", path.join(root, "etc/absolute")) // absolute, as the machine sees it: allowed
        yield* withLive(root, (r) =>
          Effect.gen(function* () {
            const read = yield* Effect.either(r.readText("/etc/kubernetes/secret"))
            expect(Either.isLeft(read) && read.left.reason).toBe("NotFound")
            const climb = yield* Effect.either(r.exists("/etc/rel/secret"))
            expect(Either.isLeft(climb) && [climb.left._tag, climb.left.reason]).toEqual(["RootFsError", "Escape"])
            yield* r.write("/etc/kubernetes/kubelet.conf", "x", { mode: 0o600 })
            yield* r.write("/dangling/file", "x", { mode: 0o600 })
            expect(fs.readFileSync(path.join(root, outside, "kubelet.conf"), "utf8")).toBe("x")
            expect(fs.readFileSync(path.join(root, outside, "missing-dir/file"), "utf8")).toBe("x")
            yield* r.write("/etc/absolute/via-absolute", "in", { mode: 0o644 })
            expect(fs.readFileSync(path.join(root, "real/via-absolute"), "utf8")).toBe("in")
            yield* r.write("/etc/inside/ok", "fine", { mode: 0o644 })
            expect(yield* r.readText("/real/ok")).toBe("fine")
            // Relative symlinks we create are followed, absolute targets refused.
            yield* r.symlink("ok", "/real/current")
            expect(yield* r.readText("/real/current")).toBe("fine")
            const abs = yield* Effect.either(r.symlink("/etc/passwd", "/real/bad"))
            expect(Either.isLeft(abs) && abs.left.reason).toBe("Escape")
          })
        )
        expect(fs.readdirSync(outside)).toEqual(["secret"])
        expect(fs.lstatSync(path.join(root, "real/current")).isSymbolicLink()).toBe(true)
      })
  )

  it.effect("a missing file is a NotFound RootFsError naming the in-root path", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      const result = yield* withLive(root, (r) => Effect.either(r.readText("/etc/nothing")))
      expect(Either.isLeft(result) && result.left.reason).toBe("NotFound")
      expect(Either.isLeft(result) && result.left.message).toBe(
        `couldn't read "/etc/nothing": no such file or directory`
      )
    })
  )
})

describe("RootFs (live): input that must not be trusted", () => {
  it.effect("reads regular files only: a FIFO is refused at once (no hang), a folder is named as one", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      execFileSync("mkfifo", [path.join(root, "fifo")])
      fs.mkdirSync(path.join(root, "dir"))
      const fifo = yield* withLive(root, (r) => Effect.either(r.readText("/fifo")))
      expect(Either.isLeft(fifo) && [fifo.left.reason, fifo.left.message]).toEqual([
        "NotRegular",
        `couldn't read "/fifo": is not a regular file`
      ])
      const dir = yield* withLive(root, (r) => Effect.either(r.readText("/dir")))
      expect(Either.isLeft(dir) && dir.left.message).toBe(`couldn't read "/dir": is a directory`)
    })
  )

  it.effect("refuses a file larger than MAX_READ_BYTES without reading it", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      fs.writeFileSync(path.join(root, "big"), "")
      fs.truncateSync(path.join(root, "big"), MAX_READ_BYTES + 1) // sparse: no disk used
      const big = yield* withLive(root, (r) => Effect.either(r.read("/big")))
      expect(Either.isLeft(big) && big.left.reason).toBe("TooLarge")
      fs.truncateSync(path.join(root, "big"), MAX_READ_BYTES)
      expect((yield* withLive(root, (r) => r.read("/big"))).length).toBe(MAX_READ_BYTES)
    })
  )

  it.effect("a write removes the temp files a crashed run left in the same folder", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      fs.mkdirSync(path.join(root, "pki"))
      // What a run killed between create and rename leaves: a key in a temp file.
      fs.writeFileSync(path.join(root, "pki/.kubelet-client-2026.pem.tmp-0123456789ab"), "KEY", { mode: 0o600 })
      fs.writeFileSync(path.join(root, "pki/.tmp-not-ours"), "x")
      yield* withLive(root, (r) => r.write("/pki/ca.crt", "CA", { mode: 0o644 }))
      expect(fs.readdirSync(path.join(root, "pki")).sort()).toEqual([".tmp-not-ours", "ca.crt"])
    })
  )

  it.effect("chmod and remove never follow a final symlink out of the root", () =>
    Effect.gen(function* () {
      const root = tempRoot()
      const outside = tempRoot()
      fs.writeFileSync(path.join(outside, "victim"), "x", { mode: 0o644 })
      fs.mkdirSync(path.join(outside, "tree"))
      fs.writeFileSync(path.join(outside, "tree/file"), "x")
      fs.symlinkSync(path.join(outside, "victim"), path.join(root, "link"))
      fs.mkdirSync(path.join(root, "d"))
      fs.symlinkSync(path.join(outside, "tree"), path.join(root, "d/tree"))
      yield* withLive(root, (r) =>
        Effect.gen(function* () {
          // the link's absolute target is looked up inside the root, where it does not exist
          const chmod = yield* Effect.either(r.chmod("/link", 0o777))
          expect(Either.isLeft(chmod) && chmod.left.reason).toBe("NotFound")
          yield* r.remove("/d", { recursive: true }) // unlinks the symlink, keeps what it points at
        })
      )
      expect(fs.statSync(path.join(outside, "victim")).mode & 0o777).toBe(0o644)
      expect(fs.readdirSync(path.join(outside, "tree"))).toEqual(["file"])
      expect(fs.existsSync(path.join(root, "d"))).toBe(false)
    })
  )
})

describe("RootFs (memory)", () => {
  it.effect("same rules without a disk", () =>
    Effect.gen(function* () {
      const mem = rootfs.fake({
        "/proc/swaps": "Filename\n",
        "/etc/link": { symlink: "../proc" },
        "/etc/out": { symlink: "/host" }
      })
      const r = mem.service
      yield* r.write("/etc/kubernetes/kubelet.conf", "k", { mode: 0o600 })
      expect(mem.entries.get("/etc/kubernetes/kubelet.conf")).toMatchObject({ kind: "file", mode: 0o600 })
      expect(yield* r.readText("/etc/link/swaps")).toBe("Filename\n")
      expect(yield* r.list("/etc")).toEqual(["kubernetes", "link", "out"])
      const absolute = yield* Effect.either(r.readText("/etc/out/x")) // "/host" inside the root
      expect(Either.isLeft(absolute) && absolute.left.reason).toBe("NotFound")
      const dots = yield* Effect.either(r.readText("../x"))
      expect(Either.isLeft(dots) && dots.left.reason).toBe("Escape")
      yield* r.remove("/etc/kubernetes", { recursive: true })
      expect(yield* r.exists("/etc/kubernetes/kubelet.conf")).toBe(false)
    })
  )
})

describe("RootFs path confinement (properties)", () => {
  const segment = FastCheck.oneof(
    FastCheck.constantFrom("..", ".", "", "etc", "a", "kubernetes"),
    FastCheck.stringMatching(/^[a-z.]{1,4}$/)
  )
  it.prop(
    "normalised segments never contain '..' or '.', and None exactly when climbing above the root",
    [FastCheck.array(segment, { maxLength: 12 })],
    ([parts]) => {
      const path = parts.join("/")
      const result = normalizeSegments(path)
      let depth = 0
      let escapes = false
      for (const p of parts) {
        if (p === "..") depth--
        else if (p !== "" && p !== ".") depth++
        if (depth < 0) escapes = true
      }
      if (escapes) return Option.isNone(result)
      return (
        Option.isSome(result) &&
        result.value.every((s) => s !== ".." && s !== "." && s !== "") &&
        result.value.length === depth
      )
    }
  )
})
