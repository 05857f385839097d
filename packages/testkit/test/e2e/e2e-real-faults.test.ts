/**
 * The fault matrix (issue 16, item 1): a real cluster behind the testkit's fault
 * proxies (API server and etcd), faults on the request kinds a join makes, for a
 * worker join and a control-plane join run in-process through the library. A run
 * either joins within its deadline or fails with a typed error naming the endpoint
 * and the cause, and never leaves a temp, empty or torn file under the rootfs.
 *
 * In the test command (CI-sized): per join, one run with a one-shot fault armed on
 * every request kind at once (every fault used), and a few persistent faults, so the
 * error path runs. `npm run soak -- faults` (KUBEADM_TS_FAULTS=full) runs the whole
 * matrix: every fault alone on every request kind, one-shot, and 500, 429 and
 * reset-before persistent on every kind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type ArmedFault, PROXY_FAULTS, type ProxyFault } from "../../src/faults/fault-proxy.js"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import { runStaticPods } from "../../src/real/static-pods.js"
import { waitFor } from "../../src/wait.js"
import { etcdctl, etcdMembers } from "./control-plane-helpers.js"
import {
  type CellOutcome,
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
/** `worker` or `control-plane`: only that join's matrix (soak runs). */
const ONLY_JOIN = process.env["KUBEADM_TS_FAULTS_JOIN"]
/** Comma-separated request kinds: the full matrix of these only (soak runs, investigations). */
const ONLY_KINDS = process.env["KUBEADM_TS_FAULTS_KINDS"]?.split(",")
const chosen = (kinds: ReadonlyArray<string>) => (ONLY_KINDS ? kinds.filter((k) => ONLY_KINDS.includes(k)) : kinds)

let cluster: RealClusterService | undefined
let p: ProxiedCluster
/** Set once the proxies run: what afterAll closes. */
let proxies: ProxiedCluster | undefined
beforeAll(async () => {
  cluster = await startRealCluster()
  p = proxies = await proxyCluster(cluster)
}, 300_000)
afterAll(async () => {
  await proxies?.api.close()
  await proxies?.etcd.close()
  await stopRealCluster(cluster)
}, 60_000)

const rows: Array<CellRow> = []
afterAll(() => {
  if (rows.length > 0)
    process.stdout.write(`\nfault matrix${FULL ? " (full)" : " (CI-sized)"}:\n${renderTable(rows)}\n`)
})

/** A fault on one request kind, and which proxy sees that kind. */
interface Planned extends ArmedFault {
  readonly proxy: "api" | "etcd"
}

const proxyOf = (kind: string): "api" | "etcd" => (kind.startsWith("etcd ") ? "etcd" : "api")

/**
 * The connections in a clean run's order, for a tls-hang alone in its run (an ordinal): the
 * hung connection is the one the kind's first request would have come on.
 */
const alone = (kind: string, fault: ProxyFault, persistent: boolean, order: ReadonlyArray<string | undefined>) =>
  ({
    kind,
    fault,
    persistent,
    proxy: proxyOf(kind),
    ...(fault === "tls-hang" ? { connection: Math.max(0, order.indexOf(kind)) } : {})
  }) satisfies Planned

/** Runs every planned run; a failing one does not stop the others (the table shows them all). */
const runAll = async (
  all: ReadonlyArray<ReadonlyArray<Planned>>,
  runOne: (planned: ReadonlyArray<Planned>) => Promise<unknown>
) => {
  const failures: Array<string> = []
  for (const planned of all)
    await runOne(planned).catch((e: unknown) =>
      failures.push(e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e))
    )
  expect(failures).toEqual([])
}

/** The whole matrix for these kinds: every fault alone, one-shot; 500, 429 and reset-before persistent. */
const fullMatrix = (
  kinds: ReadonlyArray<string>,
  order: (kind: string) => ReadonlyArray<string | undefined>
): Array<ReadonlyArray<Planned>> => [
  ...kinds.flatMap((k) => PROXY_FAULTS.map((f) => [alone(k, f, false, order(k))])),
  ...kinds.flatMap((k) => (["500", "429", "reset-before"] as const).map((f) => [alone(k, f, true, order(k))]))
]

/** What every run must show, whatever its faults. */
const checkRun = (
  label: string,
  planned: ReadonlyArray<Planned>,
  outcome: CellOutcome,
  torn: ReadonlyArray<string>,
  root: string
) => {
  expect(torn, label).toEqual([])
  expect(outcome.result, label).not.toBe("hung")
  if (outcome.result === "joined") expect(existsSync(join(root, "etc/kubernetes/kubelet.conf")), label).toBe(true)
  if (outcome.result === "failed") {
    // a typed error naming the endpoint it could not use, and nothing of the bootstrap token left behind
    expect(outcome.tag, label).toBe("PhaseFailed")
    const addresses = planned.map((f) => (f.proxy === "etcd" ? p.etcd.address : p.api.address))
    expect(
      addresses.some((a) => outcome.message.includes(a)),
      `${label}: ${outcome.message}`
    ).toBe(true)
    expect(existsSync(join(root, "etc/kubernetes/bootstrap-kubelet.conf")), label).toBe(false)
  }
  // one-shot faults are all survived: the retries and the watch's re-establishment absorb them
  if (planned.every((f) => f.persistent !== true))
    expect(outcome.result, `${label}: ${outcome.result === "failed" ? outcome.message : ""}`).toBe("joined")
}

/** Arms the planned faults; returns their hit counters. */
const arm = (planned: ReadonlyArray<Planned>) => {
  p.api.reset()
  p.etcd.reset()
  return planned.map((f) => (f.proxy === "etcd" ? p.etcd : p.api).arm(f))
}

const record = (
  join: CellRow["join"],
  planned: ReadonlyArray<Planned>,
  hits: ReadonlyArray<{ hits: () => number }>,
  outcome: CellOutcome,
  torn: ReadonlyArray<string>
) => {
  const note =
    outcome.result === "failed"
      ? (outcome.message.split("\n")[0]?.slice(0, 220) ?? "")
      : torn.length > 0
        ? `torn: ${torn.join(", ")}`
        : planned.length > 1
          ? `(${planned.length} faults in one run)`
          : ""
  planned.forEach((f, i) =>
    rows.push({
      join,
      kind: f.kind,
      fault: f.fault,
      persistent: f.persistent === true,
      outcome: outcome.result,
      hits: hits[i]?.hits() ?? 0,
      note
    })
  )
}

// The kinds of a clean join, in order, with the CSR read answered as pending (fault-matrix.ts).
const WORKER_KINDS = [
  "GET cluster-info",
  "GET kubeadm-config",
  "Node get",
  "GET kubelet-config",
  "CSR create",
  "CSR get",
  "CSR watch",
  "Node create"
]
/** A control-plane join's own kinds (it makes the worker's too), through the API server's proxy and etcd's. */
const CONTROL_PLANE_KINDS = [
  "GET Secret kubeadm-certs",
  "list Pods component=etcd,tier=control-plane",
  "Node patch",
  "etcd MemberList",
  "etcd Status",
  "etcd MemberAdd",
  "etcd MemberPromote"
]

/**
 * One run, every worker kind with its own one-shot fault (every fault used). The tls-hang is
 * placed by the kind answered before it, so the other faults' retries do not move it.
 */
const WORKER_ALL_AT_ONCE: ReadonlyArray<Planned> = [
  { kind: "GET cluster-info", fault: "500", proxy: "api" },
  { kind: "GET kubeadm-config", fault: "429", proxy: "api" },
  { kind: "Node get", fault: "reset-before", proxy: "api" },
  { kind: "GET kubelet-config", fault: "reset-after", proxy: "api" },
  { kind: "CSR create", fault: "trickle", proxy: "api" },
  { kind: "CSR get", fault: "stall", proxy: "api" },
  { kind: "CSR watch", fault: "tls-hang", afterKind: "CSR get", proxy: "api" },
  { kind: "Node create", fault: "500", proxy: "api" }
]
const CONTROL_PLANE_ALL_AT_ONCE: ReadonlyArray<Planned> = [
  { kind: "GET Secret kubeadm-certs", fault: "reset-before", proxy: "api" },
  { kind: "list Pods component=etcd,tier=control-plane", fault: "trickle", proxy: "api" },
  { kind: "Node patch", fault: "tls-hang", afterKind: "Node create", proxy: "api" },
  { kind: "etcd MemberList", fault: "429", proxy: "etcd" },
  { kind: "etcd Status", fault: "500", proxy: "etcd" },
  { kind: "etcd MemberAdd", fault: "reset-after", proxy: "etcd" },
  { kind: "etcd MemberPromote", fault: "stall", proxy: "etcd" }
]
const persistent = (kind: string, fault: ProxyFault): Planned => ({
  kind,
  fault,
  persistent: true,
  proxy: proxyOf(kind)
})

// `npm run soak -- faults worker|control-plane` registers only the join asked for (nothing is skipped)
if (ONLY_JOIN !== "control-plane")
  describe("fault matrix, worker join", () => {
    let n = 0
    const workerRun = async (planned: ReadonlyArray<Planned>) => {
      n++
      const root = await freshRoot(p.cluster)
      const before = emptyFiles(root)
      try {
        const hits = arm(planned)
        const deadline = planned.some((f) => f.persistent === true) ? "150 seconds" : "120 seconds"
        const { outcome } = await joinInProcess(p, { nodeName: `faults-w${n}`, deadline }, root)
        const torn = tornFiles(root, before)
        record("worker", planned, hits, outcome, torn)
        const label = planned.map((f) => `${f.kind} ${f.fault}${f.persistent === true ? "*" : ""}`).join(", ")
        checkRun(label, planned, outcome, torn, root)
        // every armed fault really fired
        hits.forEach((h, i) => expect(h.hits(), `${planned[i]?.kind} ${planned[i]?.fault}`).toBeGreaterThan(0))
        return outcome
      } finally {
        await removeRoot(root)
      }
    }

    it("a clean join: the request kinds it makes, in order", async () => {
      expect(await workerRun([])).toEqual({ result: "joined" })
      expect([...new Set(p.api.seen().map((s) => s.kind))]).toEqual(WORKER_KINDS)
    }, 150_000)

    if (FULL) {
      it("every fault alone on every request kind", async () => {
        const order = p.api.connectionKinds()
        await runAll(
          fullMatrix(WORKER_KINDS, () => order),
          workerRun
        )
      }, 7_200_000)
    } else {
      it("a one-shot fault on every request kind at once (every fault): joins", async () => {
        expect(await workerRun(WORKER_ALL_AT_ONCE)).toEqual({ result: "joined" })
      }, 150_000)

      it("persistent 500 on the kubeadm-config read: fails naming the endpoint and the cause", async () => {
        const outcome = await workerRun([persistent("GET kubeadm-config", "500")])
        expect(outcome.result).toBe("failed")
        if (outcome.result === "failed") {
          expect(outcome.message).toContain(`failed to get ConfigMap kube-system/kubeadm-config from ${p.api.url}`)
          expect(outcome.message).toContain("Internal error occurred: fault proxy (500 InternalError)")
        }
      }, 180_000)

      it("persistent 429 on the CSR creation: fails naming the endpoint and the cause", async () => {
        const outcome = await workerRun([persistent("CSR create", "429")])
        expect(outcome.result).toBe("failed")
        if (outcome.result === "failed") {
          expect(outcome.message).toContain(`failed to create CertificateSigningRequest csr-* from ${p.api.url}`)
          expect(outcome.message).toContain("(429 TooManyRequests)")
        }
      }, 180_000)
    }
  })

/** The init node's etcd, reached directly (not through the proxy), for the cleanup between runs. */
const initEtcd = () => {
  const pki = join(p.cluster.controlPlane.root, "etc/kubernetes/pki/etcd")
  const tls = {
    ca: readFileSync(join(pki, "ca.crt"), "utf8"),
    cert: readFileSync(join(pki, "healthcheck-client.crt"), "utf8"),
    key: readFileSync(join(pki, "healthcheck-client.key"), "utf8")
  }
  return { endpoints: [`https://${p.cluster.controlPlane.network.address}:2379`], tls }
}

/** Removes every member but the init node's (etcd refuses for a few seconds after a member joined: retried). */
const removeOtherMembers = async () => {
  const { endpoints, tls } = initEtcd()
  await waitFor(
    async () => {
      const members = await etcdMembers(endpoints, tls)
      const others = members.filter((m) => m.name !== "control-plane-0")
      if (others.length === 0) return true
      const listed = await etcdctl(endpoints, tls, ["member", "list"])
      for (const m of others) {
        const id = listed.stdout
          .split("\n")
          .map((l) => l.split(", "))
          .find((f) => f[3] === m.peerURLs[0])?.[0]
        if (id !== undefined) await etcdctl(endpoints, tls, ["member", "remove", id])
      }
      return false
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: "the extra etcd members to be removed" }
  )
}

if (ONLY_JOIN !== "worker")
  describe("fault matrix, control-plane join", () => {
    let n = 0
    /** One control-plane join on a new node of the network, its etcd run from the manifest the join writes. */
    const controlPlaneRun = async (planned: ReadonlyArray<Planned>) => {
      n++
      const nodeName = `faults-cp${n}`
      const node = p.cluster.addNode(nodeName)
      const root = await freshRoot(p.cluster, node.root)
      const before = emptyFiles(root)
      const pods = runStaticPods(node, p.cluster.components, ["etcd"])
      try {
        const hits = arm(planned)
        const deadline = planned.some((f) => f.persistent === true) ? "180 seconds" : "150 seconds"
        const { outcome } = await joinInProcess(p, { nodeName, controlPlane: node, deadline }, root)
        const torn = tornFiles(root, before)
        record("control-plane", planned, hits, outcome, torn)
        const label = planned.map((f) => `${f.kind} ${f.fault}${f.persistent === true ? "*" : ""}`).join(", ")
        try {
          checkRun(label, planned, outcome, torn, root)
          hits.forEach((h, i) => expect(h.hits(), `${planned[i]?.kind} ${planned[i]?.fault}`).toBeGreaterThan(0))
        } catch (e) {
          throw new Error(`${String(e)}\n${pods.logTails()}`, { cause: e })
        }
        return outcome
      } finally {
        await removeOtherMembers()
        await pods.stop()
        await p.cluster.kubectl(["delete", "node", nodeName, "--wait=false"])
        await removeRoot(root)
      }
    }

    if (FULL) {
      it("a clean join: the request kinds it makes (and their connections' order)", async () => {
        expect(await controlPlaneRun([])).toEqual({ result: "joined" })
        const kinds = [...new Set([...p.api.seen(), ...p.etcd.seen()].map((s) => s.kind))]
        expect(kinds).toEqual(expect.arrayContaining([...WORKER_KINDS, ...CONTROL_PLANE_KINDS]))
      }, 200_000)

      it("every fault alone on every request kind of its own", async () => {
        const apiOrder = p.api.connectionKinds()
        const etcdOrder = p.etcd.connectionKinds()
        await runAll(
          fullMatrix(chosen(CONTROL_PLANE_KINDS), (k) => (proxyOf(k) === "etcd" ? etcdOrder : apiOrder)),
          controlPlaneRun
        )
      }, 14_400_000)
    } else {
      it("a one-shot fault on each of its own request kinds at once (every fault): joins", async () => {
        expect(await controlPlaneRun(CONTROL_PLANE_ALL_AT_ONCE)).toEqual({ result: "joined" })
      }, 200_000)

      it("persistent 429 on the kubeadm-certs Secret: fails naming the endpoint and the cause", async () => {
        const outcome = await controlPlaneRun([persistent("GET Secret kubeadm-certs", "429")])
        expect(outcome.result).toBe("failed")
        if (outcome.result === "failed") {
          expect(outcome.message).toContain("error execution phase control-plane-prepare/download-certs")
          expect(outcome.message).toContain(p.api.url)
          expect(outcome.message).toContain("(429 TooManyRequests)")
        }
      }, 240_000)
    }
  })
