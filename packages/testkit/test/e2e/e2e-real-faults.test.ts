/**
 * The fault matrix (issue 16, item 1): a real cluster behind the testkit's fault
 * proxies, one fault on one request kind per cell, for a worker join and a
 * control-plane join run in-process through the library. A cell either joins
 * within its deadline or fails with a typed error naming the endpoint and the
 * cause, and never leaves a temp, empty or torn file under the rootfs.
 *
 * This file runs a CI-sized subset that still covers every fault and every
 * request kind; `npm run soak -- faults` (KUBEADM_TS_FAULTS=full) runs them all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { PROXY_FAULTS, type ProxyFault } from "../../src/faults/fault-proxy.js"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import {
  type CellRow,
  emptyFiles,
  freshRoot,
  joinInProcess,
  type ProxiedCluster,
  proxyCluster,
  removeRoot,
  renderTable,
  tornFiles
} from "./fault-matrix.js"
import { startRealCluster, stopRealCluster } from "./real-helpers.js"

const FULL = process.env["KUBEADM_TS_FAULTS"] === "full"
/** `kind:fault[:persistent]`, to run one cell while investigating it. */
const ONLY = process.env["KUBEADM_TS_FAULTS_ONLY"]

let cluster: RealClusterService | undefined
let p: ProxiedCluster
beforeAll(async () => {
  cluster = await startRealCluster()
  p = await proxyCluster(cluster)
}, 300_000)
afterAll(async () => {
  await p?.api.close()
  await p?.etcd.close()
  await stopRealCluster(cluster)
}, 60_000)

interface Cell {
  readonly kind: string
  readonly fault: ProxyFault
  readonly persistent: boolean
}

/** Every fault on every kind (full), or a diagonal that covers each fault and each kind at least once. */
const cellsFor = (kinds: ReadonlyArray<string>, persistentKinds: ReadonlyArray<string>): Array<Cell> => {
  const oneShot: Array<Cell> = FULL
    ? kinds.flatMap((kind) => PROXY_FAULTS.map((fault) => ({ kind, fault, persistent: false })))
    : Array.from({ length: Math.max(kinds.length, PROXY_FAULTS.length) }, (_, i) => ({
        kind: kinds[i % kinds.length] ?? "",
        fault: PROXY_FAULTS[i % PROXY_FAULTS.length] ?? "500",
        persistent: false
      }))
  const persistentFaults: ReadonlyArray<ProxyFault> = ["500", "429", "reset-before"]
  const persistent: Array<Cell> = FULL
    ? persistentKinds.flatMap((kind) => persistentFaults.map((fault) => ({ kind, fault, persistent: true })))
    : persistentKinds.map((kind, i) => ({
        kind,
        fault: persistentFaults[i % persistentFaults.length] ?? "500",
        persistent: true
      }))
  const all = [...oneShot, ...persistent]
  if (ONLY === undefined) return all
  const [kind, fault, persistentFlag] = ONLY.split(":")
  return [{ kind: kind ?? "", fault: (fault ?? "500") as ProxyFault, persistent: persistentFlag === "persistent" }]
}

const rows: Array<CellRow> = []
afterAll(() => {
  if (rows.length > 0)
    process.stdout.write(`\nfault matrix${FULL ? " (full)" : " (CI subset)"}:\n${renderTable(rows)}\n`)
})

describe("fault matrix, worker join", () => {
  let kinds: ReadonlyArray<string> = []
  let connections: ReadonlyArray<string | undefined> = []

  it("a clean join through the proxies: the request kinds it makes", async () => {
    const root = await freshRoot(p.cluster)
    try {
      p.api.reset()
      const { outcome } = await joinInProcess(p, { nodeName: "faults-baseline", deadline: "90 seconds" }, root)
      expect(outcome).toEqual({ result: "joined" })
      kinds = [...new Set(p.api.seen().map((s) => s.kind))]
      connections = p.api.connectionKinds()
      process.stdout.write(`worker request kinds: ${kinds.join(", ")}\nconnections: ${connections.join(", ")}\n`)
      expect(kinds).toEqual(
        expect.arrayContaining(["GET cluster-info", "GET kubeadm-config", "GET kubelet-config", "CSR create"])
      )
    } finally {
      await removeRoot(root)
    }
  }, 120_000)

  it("every cell joins or fails with its cause named, within its deadline, and leaves no torn file", async () => {
    expect(kinds.length).toBeGreaterThan(0)
    const cells = cellsFor(kinds, FULL ? kinds : ["GET kubeadm-config", "CSR create", "GET cluster-info"])
    let n = 0
    for (const cell of cells) {
      n++
      const root = await freshRoot(p.cluster)
      const before = emptyFiles(root)
      try {
        p.api.reset()
        const hits = p.api.arm({
          kind: cell.kind,
          fault: cell.fault,
          persistent: cell.persistent,
          ...(cell.fault === "tls-hang"
            ? {
                connection: Number(
                  process.env["KUBEADM_TS_FAULTS_CONNECTION"] ?? Math.max(0, connections.indexOf(cell.kind))
                )
              }
            : {})
        })
        const { outcome, lines } = await joinInProcess(
          p,
          { nodeName: `faults-w${n}`, deadline: cell.persistent ? "150 seconds" : "120 seconds" },
          root
        )
        const torn = tornFiles(root, before)
        const note =
          outcome.result === "failed"
            ? (outcome.message.split("\n")[0]?.slice(0, 160) ?? "")
            : torn.length > 0
              ? `torn: ${torn.join(", ")}`
              : outcome.result === "hung"
                ? `last: ${lines
                    .slice(-3)
                    .map((l) => l.text)
                    .join(" | ")}`
                : ""
        rows.push({ join: "worker", ...cell, outcome: outcome.result, hits: hits.hits(), note })
        expect(torn, `${cell.kind} ${cell.fault}`).toEqual([])
        expect(outcome.result, `${cell.kind} ${cell.fault}: ${note}`).not.toBe("hung")
        if (outcome.result === "joined") expect(existsSync(join(root, "etc/kubernetes/kubelet.conf"))).toBe(true)
        if (outcome.result === "failed") {
          // the typed error names the endpoint it could not use and why
          expect(outcome.tag).toBe("PhaseFailed")
          expect(outcome.message).toContain(p.api.address)
          expect(existsSync(join(root, "etc/kubernetes/bootstrap-kubelet.conf"))).toBe(false)
        }
        if (!cell.persistent) expect(outcome.result, `${cell.kind} ${cell.fault}: ${note}`).toBe("joined")
      } finally {
        await removeRoot(root)
      }
    }
  }, 1_800_000)
})
