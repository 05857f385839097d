/**
 * 50 real worker joins (built CLI, --self-tls-bootstrap) while a racing swapper
 * exchanges the rootfs's /var/lib/kubelet/pki, where the kubelet's private key is
 * written, with a symlink to a folder outside the rootfs (renameat2
 * RENAME_EXCHANGE, as fast as it can). Each join either succeeds or is refused with
 * a "refusing to ..." error; no file ever appears outside the rootfs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdirSync, readdirSync, symlinkSync } from "node:fs"
import { rm } from "node:fs/promises"
import { join, relative } from "node:path"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { startSwapper } from "../../src/faults/swapper.js"
import { tempDir } from "../helpers.js"
import { runCli, tokenJoinArgs } from "./worker-helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.2.31" })
})
afterAll(() => cluster.close())

const JOINS = 50

describe("rootfs confinement under a racing swapper (built CLI)", () => {
  it(`${JOINS} joins with /var/lib/kubelet/pki swapped for an outside symlink: 0 files outside`, async () => {
    const outside = tempDir("race-outside-")
    let succeeded = 0
    let refused = 0
    let swaps = 0
    for (let i = 0; i < JOINS; i++) {
      const rootfs = tempDir("race-node-")
      mkdirSync(join(rootfs, "var/lib/kubelet/pki"), { recursive: true })
      // Relative, climbing out of the root: an absolute target would start again at the root.
      symlinkSync(relative(join(rootfs, "var/lib/kubelet"), outside), join(rootfs, "var/lib/kubelet/swap"))
      const swapper = await startSwapper(join(rootfs, "var/lib/kubelet/pki"), join(rootfs, "var/lib/kubelet/swap"))
      try {
        // No containerd or kubelet here: the preflight checks are not what this test is about.
        const r = await runCli([
          ...tokenJoinArgs(cluster),
          "--rootfs",
          rootfs,
          "--node-name",
          `race-${i}`,
          "--ignore-preflight-errors=all",
          "--self-tls-bootstrap"
        ])
        if (r.code === 0) succeeded++
        else {
          // Refused because the path led outside at that instant (or, rarely, kept changing under the walk).
          expect(r.stderr, r.stdout + r.stderr).toMatch(
            /(refusing to [a-z ]+ "\/var\/lib\/kubelet\/pki[^"]*": a symbolic link on the way points outside the root filesystem|"\/var\/lib\/kubelet\/pki[^"]*": too many levels of symbolic links)/
          )
          refused++
        }
      } finally {
        swaps += (await swapper.stop()).swaps
        await rm(rootfs, { recursive: true, force: true })
      }
      expect(readdirSync(outside), `files outside the rootfs after join ${i}`).toEqual([])
    }
    // The swapper really ran against every join, and the race went both ways.
    expect(swaps).toBeGreaterThan(JOINS)
    expect(succeeded + refused).toBe(JOINS)
    expect(refused).toBeGreaterThan(0)
    console.log(
      `rootfs race: ${JOINS} joins, ${succeeded} succeeded, ${refused} refused, ${swaps} swaps, 0 files outside`
    )
  }, 600_000)
})
