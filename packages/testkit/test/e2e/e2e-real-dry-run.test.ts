/**
 * `--dry-run` against a real cluster (the pinned kube-apiserver): the real API server takes the
 * writes sent with `?dryRun=All` (authorized, validated, answered with the would-be object) and
 * stores none; a worker `join --dry-run` on a node of the test network exits 0, leaves its machine
 * byte-identical, starts no kubelet and creates no Node and no CSR.
 */
import { readFileSync } from "node:fs"
import { Effect, Either, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { output } from "@kubeadm-ts/join"
import { KubeApi, layerDryRun } from "@kubeadm-ts/join/kube-api"
import { parseKubeconfig } from "@kubeadm-ts/join/kubeconfig"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import { treeHash } from "./dry-run-helpers.js"
import {
  expectJoinSucceeded,
  realTokenJoinArgs,
  startRealCluster,
  stopRealCluster,
  withRealMachine
} from "./real-helpers.js"

let cluster: RealClusterService
beforeAll(async () => {
  cluster = await startRealCluster()
}, 300_000)
afterAll(() => stopRealCluster(cluster), 60_000)

const names = async (resource: string) => {
  const r = await cluster.kubectl(["get", resource, "-o", "name"])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .sort()
}

describe("--dry-run, real cluster", () => {
  it("the real API server admits dryRun=All writes and stores nothing", async () => {
    const admin = parseKubeconfig(readFileSync(cluster.adminConf, "utf8"))
    if (Either.isLeft(admin)) throw new Error(admin.left.message)
    const [nodeName = ""] = (await names("nodes")).map((n) => n.replace(/^node\//, ""))
    const csrsBefore = await names("csr")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const client = yield* Effect.flatMap(KubeApi, (k) => k.client(admin.right))
        const patched = yield* client.patchNode(nodeName, {
          metadata: { labels: { "kubeadm-ts.dry-run/test": "yes" } }
        })
        const kubeadmConfig = yield* client.getConfigMap("kube-system", "kubeadm-config")
        const updated = yield* client.updateConfigMap({
          ...kubeadmConfig,
          data: { ...kubeadmConfig.data, "dry-run": "yes" }
        })
        return { patched, updated }
      }).pipe(
        Effect.provide(
          layerDryRun.pipe(
            Layer.provide(
              output.layerTest({ info: () => Effect.void, warn: () => Effect.void, detail: () => Effect.void })
            )
          )
        )
      )
    )
    // the answers are the would-be objects ...
    expect(result.patched.metadata.labels?.["kubeadm-ts.dry-run/test"]).toBe("yes")
    expect(result.updated.data["dry-run"]).toBe("yes")
    // ... and nothing changed
    const node = await cluster.kubectl(["get", "node", nodeName, "-o", "jsonpath={.metadata.labels}"])
    expect(node.stdout).not.toContain("kubeadm-ts.dry-run/test")
    const cm = await cluster.kubectl(["-n", "kube-system", "get", "cm", "kubeadm-config", "-o", "jsonpath={.data}"])
    expect(cm.stdout).not.toContain("dry-run")
    expect(await names("csr")).toEqual(csrsBefore)
  }, 120_000)

  it(
    "a worker join --dry-run: exit 0, the machine byte-identical, no kubelet started, no Node, no CSR",
    () =>
      withRealMachine(cluster, "worker-dry-run", async ({ root, kubelet, join }) => {
        const before = await treeHash(root)
        const nodesBefore = await names("nodes")
        const csrsBefore = await names("csr")
        const r = await join([...realTokenJoinArgs(cluster), "--node-name", "worker-dry-run", "--dry-run"])
        expectJoinSucceeded(r)
        expect(await treeHash(root)).toEqual(before)
        expect(kubelet.isActive()).toBe(false)
        expect(await names("nodes")).toEqual(nodesBefore)
        expect(await names("csr")).toEqual(csrsBefore)
        for (const path of [
          "/etc/kubernetes/bootstrap-kubelet.conf",
          "/etc/kubernetes/pki/ca.crt",
          "/var/lib/kubelet/instance-config.yaml",
          "/var/lib/kubelet/config.yaml",
          "/var/lib/kubelet/kubeadm-flags.env"
        ])
          expect(r.stdout).toContain(`[dryrun] Would write file "${path}" with mode `)
        expect(r.stdout).toContain("[kubelet-start] Would start the kubelet")
        expect(r.stdout).toContain(
          "[dryrun] Would make sure the kubelet returns 'ok' at http://127.0.0.1:10248/healthz"
        )
        expect(r.stdout + r.stderr).not.toContain(cluster.token.split(".")[1] ?? "-")
      }),
    300_000
  )
})
