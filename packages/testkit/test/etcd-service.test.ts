/**
 * The Etcd service and the member-join algorithm against a REAL etcd
 * (Debian's etcd 3.4) over TLS; the second member is the static Pod
 * manifest kubeadm-ts generates, run by the testkit's etcd runner.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Etcd, ensureMember, etcdPod, layer as etcdLayer, waitForMember, type EtcdClient } from "@kubeadm-ts/join/etcd"
import { podYaml } from "@kubeadm-ts/join/manifests"
import type { ControlPlaneConfig } from "@kubeadm-ts/join/manifests"
import { freeLoopbackAddress, issueEtcdCert, startEtcd, type RealEtcd } from "../src/etcd/real-etcd.js"
import { runEtcdStaticPod, type EtcdStaticPod } from "../src/etcd/static-pod.js"
import { defined } from "./helpers.js"

const cfgFor = (nodeName: string, address: string): ControlPlaneConfig => ({
  kubernetesVersion: "v1.15.12",
  imageRepository: "k8s.gcr.io",
  useHyperKubeImage: false,
  certificatesDir: "/etc/kubernetes/pki",
  clusterName: "kubernetes",
  controlPlaneEndpoint: "lb:6443",
  networking: { serviceSubnet: "10.96.0.0/12", podSubnet: "", dnsDomain: "cluster.local" },
  apiServer: { extraArgs: {}, extraVolumes: [], certSANs: [] },
  controllerManager: { extraArgs: {}, extraVolumes: [] },
  scheduler: { extraArgs: {}, extraVolumes: [] },
  etcd: { local: { dataDir: "/var/lib/etcd", extraArgs: {}, serverCertSANs: [], peerCertSANs: [] } },
  featureGates: {},
  keyAlgorithm: "ECDSA-P256",
  nodeName,
  advertiseAddress: address,
  bindPort: 6443
})

/** A node's rootfs with its etcd certs and the generated etcd manifest. */
const prepareNode = async (
  first: RealEtcd,
  nodeName: string,
  address: string,
  initialCluster: ReadonlyArray<{ name: string; peerURL: string }>
) => {
  const rootfs = await mkdtemp(join(tmpdir(), `kubeadm-ts-${nodeName}-`))
  const pki = join(rootfs, "etc/kubernetes/pki/etcd")
  await mkdir(pki, { recursive: true })
  await mkdir(join(rootfs, "etc/kubernetes/manifests"), { recursive: true })
  const sans = { dnsNames: [nodeName, "localhost"], ipAddresses: [address, "127.0.0.1", "::1"] }
  const server = await issueEtcdCert(first.ca, { commonName: nodeName, ...sans, server: true })
  const peer = await issueEtcdCert(first.ca, { commonName: nodeName, ...sans, server: true })
  await writeFile(join(pki, "ca.crt"), first.ca.certPem)
  for (const [n, p] of [
    ["server", server],
    ["peer", peer]
  ] as const) {
    await writeFile(join(pki, `${n}.crt`), p.certPem)
    await writeFile(join(pki, `${n}.key`), p.keyPem, { mode: 0o600 })
  }
  await writeFile(
    join(rootfs, "etc/kubernetes/manifests/etcd.yaml"),
    podYaml(Either.getOrThrow(etcdPod(cfgFor(nodeName, address), initialCluster))),
    { mode: 0o600 }
  )
  return rootfs
}

const run = <A, E>(e: Effect.Effect<A, E, Etcd>) => Effect.runPromise(Effect.provide(e, etcdLayer))

describe("Etcd service against a real etcd", () => {
  let first: RealEtcd
  const cleanups: Array<() => Promise<unknown>> = []
  beforeAll(async () => {
    first = await startEtcd({ name: "cp-1" })
    cleanups.push(() => first.stop())
  })
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  const connect = () => run(Effect.flatMap(Etcd, (etcd) => etcd.connect([first.clientURL], first.tls)))

  it("lists the first member and reports it healthy", async () => {
    const client = await connect()
    const members = await Effect.runPromise(client.members)
    expect(members).toHaveLength(1)
    expect(members[0]).toMatchObject({
      name: "cp-1",
      peerURLs: [first.peerURL],
      clientURLs: [first.clientURL],
      isLearner: false
    })
    const status = await Effect.runPromise(client.status(first.clientURL))
    expect(status.version).toMatch(/^3\./)
    expect(status.leader).toBe(defined(members[0], "the first member").id)
  })

  it("rejects a client without the etcd CA's client certificate", async () => {
    const wrongCa = await startEtcd({ name: "other" })
    cleanups.push(() => wrongCa.stop())
    const res = await Effect.runPromise(
      Effect.either(
        Effect.provide(
          Effect.flatMap(Etcd, (e) => e.connect([first.clientURL], wrongCa.tls)),
          etcdLayer
        )
      )
    )
    expect(res._tag).toBe("Left")
  })

  it("learner mode: add, idempotent re-add, manifest brings the member up, promote once in sync", async () => {
    const address = await freeLoopbackAddress([2379, 2380])
    const peerURL = `https://${address}:2380`
    const client: EtcdClient = await connect()
    const added = await Effect.runPromise(ensureMember(client, "cp-2", peerURL, { learner: true }))
    expect(added.reused).toBe(false)
    expect(added.member.isLearner).toBe(true)
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)
    expect([...added.initialCluster].sort(byName)).toEqual([
      { name: "cp-1", peerURL: first.peerURL },
      { name: "cp-2", peerURL }
    ])
    // a second run (e.g. after a crash) finds the unstarted member by its peer URL
    const again = await Effect.runPromise(ensureMember(client, "cp-2", peerURL, { learner: true }))
    expect(again.reused).toBe(true)
    expect(again.member.id).toBe(added.member.id)
    expect((await first.members()).filter((m) => m.peerURLs.includes(peerURL))).toHaveLength(1)

    const rootfs = await prepareNode(first, "cp-2", address, added.initialCluster)
    cleanups.push(() => rm(rootfs, { recursive: true, force: true }))
    const pod: EtcdStaticPod = await runEtcdStaticPod(rootfs, address)
    cleanups.push(() => pod.stop())
    const started = Date.now()
    const member = await Effect.runPromise(waitForMember(client, peerURL, { learner: true, timeout: "60 seconds" }))
    const waitedMs = Date.now() - started
    expect(member).toMatchObject({ name: "cp-2", isLearner: false, clientURLs: [`https://${address}:2379`] })
    const members = await first.members()
    expect(members).toHaveLength(2)
    expect(members.every((m) => m.name !== "" && !m.isLearner)).toBe(true)
    console.log(`learner cp-2 started and promoted in ${waitedMs} ms`)
  })

  it("voting mode: a third member joins (quorum is kept by two started members); remove takes it out", async () => {
    const address = await freeLoopbackAddress([2379, 2380])
    const peerURL = `https://${address}:2380`
    const client = await connect()
    const added = await Effect.runPromise(ensureMember(client, "cp-3", peerURL, { learner: false }))
    expect(added.member.isLearner).toBe(false)
    expect(added.initialCluster.map((m) => m.name).sort()).toEqual(["cp-1", "cp-2", "cp-3"])
    const rootfs = await prepareNode(first, "cp-3", address, added.initialCluster)
    cleanups.push(() => rm(rootfs, { recursive: true, force: true }))
    const pod = await runEtcdStaticPod(rootfs, address)
    cleanups.push(() => pod.stop())
    await Effect.runPromise(waitForMember(client, peerURL, { learner: false, timeout: "60 seconds" }))
    const members = await first.members()
    expect(members.map((m) => m.name).sort()).toEqual(["cp-1", "cp-2", "cp-3"])
    await Effect.runPromise(client.remove(added.member.id))
    expect((await first.members()).map((m) => m.name).sort()).toEqual(["cp-1", "cp-2"])
  })

  it("waiting for a member that never starts ends with a clear timeout", async () => {
    const client = await connect()
    const address = await freeLoopbackAddress([2379, 2380])
    const peerURL = `https://${address}:2380`
    const added = await Effect.runPromise(ensureMember(client, "ghost", peerURL, { learner: true }))
    const res = await Effect.runPromise(
      Effect.either(waitForMember(client, peerURL, { learner: true, timeout: "2 seconds" }))
    )
    expect(res._tag === "Left" && res.left.message).toMatch(/^timeout waiting for etcd cluster to be available/)
    await Effect.runPromise(client.remove(added.member.id))
  })
})
