/**
 * The side-by-side comparison (`npm run compare`) on one real cluster, for the cases that matter
 * most: a worker with token discovery and a control-plane join with --certificate-key, each by
 * the real kubeadm (chroot()ed into its --rootfs) and by kubeadm-ts on two new nodes. Any
 * difference the README does not explain fails it, with the table in the message.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { fileURLToPath } from "node:url"
import { compare, explainedIds } from "../../src/compare/compare.js"
import { counts, table } from "../../src/compare/items.js"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import { startRealCluster, stopRealCluster } from "./real-helpers.js"

const README = fileURLToPath(new URL("../../../../README.md", import.meta.url))

let cluster: RealClusterService
beforeAll(async () => {
  cluster = await startRealCluster()
}, 300_000)
afterAll(() => stopRealCluster(cluster), 60_000)

it("kubeadm and kubeadm-ts leave the same files, objects and output: every difference explained", async () => {
  const report = await compare(cluster, { cases: ["worker-token", "control-plane"], ids: explainedIds(README) })
  const c = counts(report.items)
  expect(report.kubeadmVersion).toBe(cluster.kubernetesVersion)
  expect(new Set(report.items.map((i) => i.case))).toEqual(new Set(["worker-token", "control-plane"]))
  for (const area of ["files", "objects", "output"])
    expect(
      report.items.some((i) => i.area === area),
      area
    ).toBe(true)
  expect(report.timings.map((t) => t.case)).toEqual(["worker-token", "control-plane"])
  expect(c.unexplained, table(report)).toBe(0)
}, 400_000)
