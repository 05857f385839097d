/**
 * `initCluster({ etcd: "real" })` (issue 5 item 10): the cluster as kubeadm init leaves it plus a
 * REAL etcd over TLS as the init node's stacked member, recorded in ClusterStatus.
 */
import { execFileSync } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Etcd, layer as etcdLayer } from "@kubeadm-ts/join/etcd/index"
import { endpointsFromClusterStatus, parseClusterStatus } from "@kubeadm-ts/join/etcd/endpoints"
import { type ClusterWithEtcd, initCluster, type TestCluster } from "../src/index.js"
import { tempDir } from "./helpers.js"

const ADDRESS = "127.0.4.10"

let cluster: ClusterWithEtcd
let closed = false
let dir: string
beforeAll(async () => {
  dir = tempDir("etcdctl-")
  // the declared type is checked: `etcd: "real"` gives a cluster with the etcd handle
  cluster = await initCluster({ etcd: "real", address: ADDRESS, keyAlgorithm: "ecdsa-p256" })
})
afterAll(async () => {
  if (!closed) await cluster?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** etcdctl v3 against the started member with the healthcheck-client credentials. */
const etcdctl = (args: ReadonlyArray<string>): string => {
  const files = { ca: join(dir, "ca.crt"), cert: join(dir, "client.crt"), key: join(dir, "client.key") }
  writeFileSync(files.ca, cluster.etcd.tls.ca)
  writeFileSync(files.cert, cluster.etcd.tls.cert)
  writeFileSync(files.key, cluster.etcd.tls.key, { mode: 0o600 })
  return execFileSync(
    "etcdctl",
    [`--endpoints=${cluster.etcd.clientURL}`, `--cacert=${files.ca}`, `--cert=${files.cert}`, `--key=${files.key}`, "--command-timeout=10s", ...args],
    { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ETCDCTL_API: "3" }, timeout: 20_000 }
  )
}

describe('initCluster({ etcd: "real" })', () => {
  it("starts one etcd member on the cluster's address, with the cluster's etcd CA", () => {
    expect(cluster.etcd.clientURL).toBe(`https://${ADDRESS}:2379`)
    expect(cluster.etcd.peerURL).toBe(`https://${ADDRESS}:2380`)
    expect(cluster.etcd.ca.certPem).toBe(cluster.pki.etcdCa.certPem)
    expect(cluster.address).toBe(ADDRESS)
  })

  it("the Etcd service lists exactly the one started member", async () => {
    const members = await Effect.runPromise(
      Effect.flatMap(Etcd, (etcd) => Effect.flatMap(etcd.connect([cluster.etcd.clientURL], cluster.etcd.tls), (c) => c.members)).pipe(Effect.provide(etcdLayer))
    )
    expect(members).toHaveLength(1)
    // a started member has its name and client URLs (an added-but-unstarted one has neither)
    expect(members[0]).toMatchObject({
      name: "control-plane-1",
      peerURLs: [`https://${ADDRESS}:2380`],
      clientURLs: [`https://${ADDRESS}:2379`],
      isLearner: false
    })
  })

  it("etcdctl member list shows the same single started member, and the endpoint is healthy", () => {
    const list = JSON.parse(etcdctl(["member", "list", "-w", "json"])) as { members: Array<{ name: string; peerURLs: string[]; clientURLs: string[] }> }
    expect(list.members.map((m) => [m.name, m.peerURLs, m.clientURLs])).toEqual([
      ["control-plane-1", [`https://${ADDRESS}:2380`], [`https://${ADDRESS}:2379`]]
    ])
    const health = JSON.parse(etcdctl(["endpoint", "health", "-w", "json"])) as Array<{ endpoint: string; health: boolean }>
    expect(health.map((h) => [h.endpoint, h.health])).toEqual([[cluster.etcd.clientURL, true]])
  })

  it("ClusterStatus names the init node, so a joining control plane finds this etcd", () => {
    const data = cluster.get("configmaps", "kube-system", "kubeadm-config")?.["data"] as Record<string, string>
    const status = Either.getOrThrow(parseClusterStatus(data["ClusterStatus"]))
    expect(status).toBeDefined()
    expect(endpointsFromClusterStatus(status!)).toEqual([cluster.etcd.clientURL])
    const pod = cluster.get("pods", "kube-system", "etcd-control-plane-1")
    expect(pod).toBeDefined()
  })

  it("without etcd: \"real\" no etcd is started (no handle), and close() of the real one stops etcd", async () => {
    const plain: TestCluster = await initCluster({ address: "127.0.4.11", keyAlgorithm: "ecdsa-p256" })
    try {
      expect("etcd" in plain).toBe(false)
    } finally {
      await plain.close()
    }
    const pid = cluster.etcd.pid
    expect(() => process.kill(pid, 0)).not.toThrow()
    closed = true
    await cluster.close()
    expect(() => process.kill(pid, 0)).toThrow()
  })
})
