/**
 * RootFs against a racing swapper: a folder of the root is exchanged with a symlink
 * to a folder outside it (renameat2 RENAME_EXCHANGE) while keys are written through
 * the real RootFs layer. Every write either lands inside the root or is refused;
 * nothing ever appears outside.
 */
import { describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { mkdirSync, readdirSync, symlinkSync } from "node:fs"
import { join, relative } from "node:path"
import { RootFs } from "@kubeadm-ts/join/rootfs"
import * as rootfs from "@kubeadm-ts/join/rootfs"
import { startSwapper } from "../src/faults/swapper.js"
import { tempDir } from "./helpers.js"

const KEY = "-----BEGIN EC PRIVATE KEY-----\nnot a real key\n-----END EC PRIVATE KEY-----\n"

describe("RootFs under a racing swapper", () => {
  it("500 key writes, reads and mkdirs through a folder swapped with an outside symlink: 0 files outside", async () => {
    const root = tempDir("rootfs-race-")
    const outside = tempDir("rootfs-race-outside-")
    mkdirSync(join(root, "var/lib/kubelet/pki"), { recursive: true })
    // Relative, climbing out of the root: an absolute target would start again at the root.
    symlinkSync(relative(join(root, "var/lib/kubelet"), outside), join(root, "var/lib/kubelet/swap"))
    const swapper = await startSwapper(join(root, "var/lib/kubelet/pki"), join(root, "var/lib/kubelet/swap"))
    const outcomes = { written: 0, refused: 0, other: [] as Array<string> }
    try {
      await Effect.runPromise(
        Effect.gen(function* () {
          const fs = yield* RootFs
          for (let i = 0; i < 500; i++) {
            const path = `/var/lib/kubelet/pki/kubelet-client-${i}.pem`
            const r = yield* Effect.either(
              fs
                .write(path, KEY, { mode: 0o600, dirMode: 0o700 })
                .pipe(
                  Effect.zipRight(fs.readText(path)),
                  Effect.zipRight(fs.mkdir(`/var/lib/kubelet/pki/sub-${i}`, 0o700)),
                  Effect.zipRight(fs.chmod(path, 0o600)),
                  Effect.zipRight(
                    fs.symlink(`kubelet-client-${i}.pem`, "/var/lib/kubelet/pki/kubelet-client-current.pem")
                  )
                )
            )
            if (Either.isRight(r)) outcomes.written++
            else if (r.left.reason === "Escape") outcomes.refused++
            else outcomes.other.push(r.left.message)
          }
        }).pipe(Effect.provide(rootfs.layer(root)))
      )
    } finally {
      const { swaps } = await swapper.stop()
      expect(swaps).toBeGreaterThan(0)
    }
    expect(readdirSync(outside)).toEqual([])
    // The race really happened both ways: some operations ran inside, some met the symlink.
    expect(outcomes.refused).toBeGreaterThan(0)
    expect(outcomes.written + outcomes.refused + outcomes.other.length).toBe(500)
    for (const message of outcomes.other)
      expect(message).toMatch(/no such file or directory|exists and is not a directory/)
  }, 60_000)

  it("the probe's own swap (an absolute symlink to an outside folder): it resolves inside the root, 0 files outside", async () => {
    const root = tempDir("rootfs-race-abs-")
    const outside = tempDir("rootfs-race-abs-outside-")
    mkdirSync(join(root, "var/lib/kubelet/pki"), { recursive: true })
    symlinkSync(outside, join(root, "var/lib/kubelet/swap"))
    const swapper = await startSwapper(join(root, "var/lib/kubelet/pki"), join(root, "var/lib/kubelet/swap"))
    try {
      await Effect.runPromise(
        Effect.gen(function* () {
          const fs = yield* RootFs
          for (let i = 0; i < 300; i++) {
            yield* Effect.either(
              fs.write(`/var/lib/kubelet/pki/kubelet-client-${i}.pem`, KEY, { mode: 0o600, dirMode: 0o700 })
            )
          }
        }).pipe(Effect.provide(rootfs.layer(root)))
      )
    } finally {
      expect((await swapper.stop()).swaps).toBeGreaterThan(0)
    }
    expect(readdirSync(outside)).toEqual([])
    // Writes that met the symlink went to the same path inside the root, as under chroot.
    expect(readdirSync(join(root, outside)).length).toBeGreaterThan(0)
  }, 60_000)
})
