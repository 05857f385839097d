/**
 * Hostile machine: symbolic links inside the rootfs that point outside it, on every path a
 * join writes. The paths come from a real control-plane join (a superset of a worker's: the
 * kubelet's files, the CA, the control plane's certificates, kubeconfigs and manifests), not
 * from a hand list. Then:
 * - every written path, and every folder above it, is replaced by a link out of the rootfs
 *   (relative, climbing out; and absolute) and written through the live RootFs: refused, or
 *   written inside the rootfs; the outside folder is never touched;
 * - a worker join and a control-plane join run on machines where every one of those files is
 *   already a link out of the rootfs: each succeeds or is refused with a clear error, and the
 *   outside folder is unchanged.
 */
import { Effect, Either } from "effect"
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { dirname, join, relative } from "node:path"
import { describe, expect, it } from "vitest"
import * as rootfs from "@kubeadm-ts/join/rootfs"
import { tempDir } from "../helpers.js"
import { controlPlaneMachine, runCli, useClusterWithEtcd } from "./control-plane-helpers.js"
import { treeHash } from "./dry-run-helpers.js"

/** Files and links under `dir` (relative, sorted): what a join left there. */
const entriesUnder = (dir: string, skip: ReadonlySet<string>): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((p) => ![...skip].some((s) => p === s || p.startsWith(`${s}/`)))
    .sort()

/** The folders above `path` (relative), outermost first. */
const ancestors = (path: string): Array<string> => {
  const parts = path.split("/")
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"))
}

/** An outside folder with a file in it, and its fingerprint. */
const outsideFolder = async () => {
  const dir = tempDir("kubeadm-ts-outside-")
  writeFileSync(join(dir, "sentinel"), "outside\n")
  return { dir, before: await treeHash(dir) }
}

describe("symlinks out of the rootfs on every path a join writes (built CLI, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })
  let written: Array<string> = []

  it("a control-plane join's written paths (the enumeration the rest uses)", async () => {
    const m = await controlPlaneMachine("hostile-enum")
    cp.cleanups.push(m.cleanup)
    const before = new Set(entriesUnder(m.rootfs, new Set()))
    const r = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    written = entriesUnder(m.rootfs, new Set(["var/lib/etcd", "proc", "usr"])).filter((p) => !before.has(p))
    // kubelet, CA, certificates, kubeconfigs, manifests: the join's own files
    expect(written).toEqual(
      expect.arrayContaining([
        "etc/kubernetes/pki/ca.crt",
        "etc/kubernetes/kubelet.conf",
        "etc/kubernetes/admin.conf",
        "etc/kubernetes/manifests/etcd.yaml",
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        "etc/kubernetes/pki/apiserver.key",
        "etc/kubernetes/pki/etcd/peer.key",
        "var/lib/kubelet/config.yaml",
        "var/lib/kubelet/kubeadm-flags.env",
        "var/lib/kubelet/pki/kubelet-client-current.pem"
      ])
    )
    console.log(`a control-plane join wrote ${written.length} paths`)
  })

  it("every written path and every folder above it, as a link out of the root: the live RootFs never writes outside", async () => {
    expect(written.length).toBeGreaterThan(10)
    const outside = await outsideFolder()
    const points = [...new Set(written.flatMap((p) => [...ancestors(p), p]))]
    let refused = 0
    let inside = 0
    for (const point of points)
      for (const kind of ["relative", "absolute"] as const) {
        const root = tempDir("kubeadm-ts-hostile-")
        try {
          mkdirSync(dirname(join(root, point)), { recursive: true })
          const target = kind === "relative" ? relative(dirname(join(root, point)), outside.dir) : outside.dir
          symlinkSync(target, join(root, point))
          for (const path of written.filter((p) => p === point || p.startsWith(`${point}/`))) {
            const r = await Effect.runPromise(
              Effect.either(
                Effect.flatMap(rootfs.RootFs, (fs) => fs.write(path, "hostile\n", { mode: 0o600 })).pipe(
                  Effect.provide(rootfs.layer(root))
                )
              )
            )
            if (Either.isLeft(r)) {
              expect(r.left.message, `${kind} link at ${point}, writing ${path}`).toMatch(
                /symbolic link|outside the root|not a directory|too many levels/
              )
              refused++
            } else inside++
          }
        } finally {
          await rm(root, { recursive: true, force: true })
        }
        expect(await treeHash(outside.dir), `${kind} link at ${point}`).toEqual(outside.before)
      }
    console.log(
      `symlinks out of the rootfs: ${points.length} points x 2 kinds, ${refused} writes refused, ${inside} written inside the rootfs, 0 outside`
    )
    await rm(outside.dir, { recursive: true, force: true })
  })

  it.each(["worker", "control plane"] as const)(
    "a %s join on a machine whose every written file is a link out of the root: succeeds or refuses, 0 files outside",
    async (role) => {
      expect(written.length).toBeGreaterThan(10)
      const outside = await outsideFolder()
      const m = await controlPlaneMachine(`hostile-${role === "worker" ? "w" : "cp"}`)
      cp.cleanups.push(m.cleanup)
      for (const path of written) {
        mkdirSync(dirname(join(m.rootfs, path)), { recursive: true })
        symlinkSync(relative(dirname(join(m.rootfs, path)), join(outside.dir, "sentinel")), join(m.rootfs, path))
      }
      // The planted links trip preflight's file checks: ignored, so the writes themselves meet them.
      const flags = [
        ...m.flags.filter((f) => !f.startsWith("--ignore-preflight-errors")),
        "--ignore-preflight-errors=all"
      ]
      const args =
        role === "worker"
          ? [
              ...cp.cluster.joinCommands.worker,
              "--rootfs",
              m.rootfs,
              "--node-name",
              m.nodeName,
              "--self-tls-bootstrap",
              "--ignore-preflight-errors=all"
            ]
          : [...cp.cluster.joinCommands.controlPlane, ...flags]
      const r = await runCli(args)
      if (r.code !== 0)
        expect(r.stderr, r.stdout + r.stderr).toMatch(
          /symbolic link on the way points outside the root filesystem|refusing to/
        )
      expect(await treeHash(outside.dir)).toEqual(outside.before)
      console.log(`${role} join over ${written.length} outside links: exit ${r.code ?? "signal"}, 0 files outside`)
      await rm(outside.dir, { recursive: true, force: true })
    }
  )
})
