/**
 * The cluster with a real etcd (issue 5 item 10; `layerWithEtcd`, in promise form
 * `initCluster({ etcd: "real" })`): the cluster as kubeadm init leaves it plus a REAL etcd over
 * TLS as the init node's stacked member, recorded in ClusterStatus.
 */
import { execFileSync } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Either, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { endpointsFromClusterStatus, Etcd, layer as etcdLayer, parseClusterStatus } from "@kubeadm-ts/join/etcd"
import {
  Cluster,
  cluster as testCluster,
  type ClusterService,
  initCluster,
  layerWithEtcd,
  type RealEtcd,
  StackedEtcd,
  type TestCluster
} from "../src/index.js"
import { defined, tempDir } from "./helpers.js"

const ADDRESS = "127.0.4.10"

let dir: string
beforeAll(() => {
  dir = tempDir("etcdctl-")
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** The file's cluster and its etcd, as one value (the shape `initCluster({ etcd: "real" })` gives). */
const clusterWithEtcd = Effect.zipWith(Cluster, StackedEtcd, (cluster, etcd) => ({ ...cluster, etcd }))

/** A test against the file's cluster; its body may await. */
const withCluster = (body: (cluster: ClusterService & { readonly etcd: RealEtcd }) => void | Promise<void>) => () =>
  Effect.flatMap(clusterWithEtcd, (cluster) => Effect.promise(async () => body(cluster)))

/** etcdctl v3 against the started member with the healthcheck-client credentials. */
const etcdctl = (cluster: { readonly etcd: RealEtcd }, args: ReadonlyArray<string>): string => {
  const files = { ca: join(dir, "ca.crt"), cert: join(dir, "client.crt"), key: join(dir, "client.key") }
  writeFileSync(files.ca, cluster.etcd.tls.ca)
  writeFileSync(files.cert, cluster.etcd.tls.cert)
  writeFileSync(files.key, cluster.etcd.tls.key, { mode: 0o600 })
  return execFileSync(
    "etcdctl",
    [
      `--endpoints=${cluster.etcd.clientURL}`,
      `--cacert=${files.ca}`,
      `--cert=${files.cert}`,
      `--key=${files.key}`,
      "--command-timeout=10s",
      ...args
    ],
    { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ETCDCTL_API: "3" }, timeout: 20_000 }
  )
}

it.layer(layerWithEtcd({ address: ADDRESS, keyAlgorithm: "ecdsa-p256" }))("a cluster with a real etcd", (it) => {
  it.effect(
    "starts one etcd member on the cluster's address, with the cluster's etcd CA",
    withCluster((cluster) => {
      expect(cluster.etcd.clientURL).toBe(`https://${ADDRESS}:2379`)
      expect(cluster.etcd.peerURL).toBe(`https://${ADDRESS}:2380`)
      expect(cluster.etcd.ca.certPem).toBe(cluster.pki.etcdCa.certPem)
      expect(cluster.address).toBe(ADDRESS)
    })
  )

  it.effect(
    "the Etcd service lists exactly the one started member",
    withCluster(async (cluster) => {
      const members = await Effect.runPromise(
        Effect.flatMap(Etcd, (etcd) =>
          Effect.flatMap(etcd.connect([cluster.etcd.clientURL], cluster.etcd.tls), (c) => c.members)
        ).pipe(Effect.provide(etcdLayer))
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
  )

  it.effect(
    "etcdctl member list shows the same single started member, and the endpoint is healthy",
    withCluster((cluster) => {
      const list = JSON.parse(etcdctl(cluster, ["member", "list", "-w", "json"])) as {
        members: Array<{ name: string; peerURLs: string[]; clientURLs: string[] }>
      }
      expect(list.members.map((m) => [m.name, m.peerURLs, m.clientURLs])).toEqual([
        ["control-plane-1", [`https://${ADDRESS}:2380`], [`https://${ADDRESS}:2379`]]
      ])
      const health = JSON.parse(etcdctl(cluster, ["endpoint", "health", "-w", "json"])) as Array<{
        endpoint: string
        health: boolean
      }>
      expect(health.map((h) => [h.endpoint, h.health])).toEqual([[cluster.etcd.clientURL, true]])
    })
  )

  it.effect(
    "ClusterStatus names the init node, so a joining control plane finds this etcd",
    withCluster((cluster) => {
      const data = cluster.get("configmaps", "kube-system", "kubeadm-config")?.["data"] as Record<string, string>
      const status = Either.getOrThrow(parseClusterStatus(data["ClusterStatus"]))
      expect(status).toBeDefined()
      expect(endpointsFromClusterStatus(defined(status, "a ClusterStatus"))).toEqual([cluster.etcd.clientURL])
      const pod = cluster.get("pods", "kube-system", "etcd-control-plane-1")
      expect(pod).toBeDefined()
    })
  )
})

describe("starting and stopping", () => {
  it.scoped("the plain cluster starts no etcd (no handle)", () =>
    Effect.gen(function* () {
      const plain = yield* testCluster.make({ address: "127.0.4.11", keyAlgorithm: "ecdsa-p256" })
      expect("etcd" in plain).toBe(false)
    })
  )

  it.live("closing the layer's scope stops etcd", () =>
    Effect.gen(function* () {
      const pid = yield* Effect.scoped(
        Effect.gen(function* () {
          const context = yield* Layer.build(layerWithEtcd({ keyAlgorithm: "ecdsa-p256" }))
          const { pid } = Context.get(context, StackedEtcd)
          expect(() => process.kill(pid, 0)).not.toThrow()
          return pid
        })
      )
      expect(() => process.kill(pid, 0)).toThrow()
    })
  )

  it('the promise form: `etcd: "real"` gives the etcd handle, and close() stops etcd', async () => {
    // the declared type is checked: `etcd: "real"` gives a cluster with the etcd handle
    const cluster = await initCluster({ etcd: "real", keyAlgorithm: "ecdsa-p256" })
    const pid = cluster.etcd.pid
    expect(() => process.kill(pid, 0)).not.toThrow()
    await cluster.close()
    expect(() => process.kill(pid, 0)).toThrow()
    const plain: TestCluster = await initCluster({ address: "127.0.4.11", keyAlgorithm: "ecdsa-p256" })
    try {
      expect("etcd" in plain).toBe(false)
    } finally {
      await plain.close()
    }
  })
})
