/**
 * Every example of docs/examples runs here, against the testkit: its HTTPS API server
 * (`initCluster`: what `kubeadm init` leaves, with the CSR approver and signer) and a real
 * etcd. The examples import the packages by their public names, as a library user does.
 */
import { execFileSync } from "node:child_process"
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { parse } from "yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { initCluster, type RealEtcd, startEtcd, type TestCluster } from "@kubeadm-ts/testkit"
import { buildControlPlanePki } from "../examples/control-plane-pki.js"
import { bootstrapNodeCredentials } from "../examples/csr-bootstrap.js"
import { addEtcdMember } from "../examples/etcd-member.js"
import { runCustomTree } from "../examples/phase-tree.js"
import { discoverCluster, discoverOrExplain } from "../examples/token-discovery.js"

let cluster: TestCluster
let work: string
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kubeadm-ts-docs-"))
  cluster = await initCluster({ address: "127.0.17.2", keyAlgorithm: "ecdsa-p256" })
  return () => cluster.close()
})
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

/** openssl's verdict on `certPem` against the cluster CA. */
const opensslVerify = async (name: string, certPem: string) => {
  await writeFile(join(work, "ca.crt"), cluster.caPem)
  await writeFile(join(work, `${name}.crt`), certPem)
  return execFileSync("openssl", ["verify", "-CAfile", join(work, "ca.crt"), join(work, `${name}.crt`)], {
    encoding: "utf8"
  }).trim()
}

describe("docs/examples, run against the testkit", () => {
  it("token-discovery: the pinned CA and server; a wrong pin is refused with the cluster's pin", async () => {
    const found = await Effect.runPromise(discoverCluster(cluster.endpoint, cluster.token, [cluster.caCertHash]))
    expect(found).toEqual({ server: `https://${cluster.clusterEndpoint}`, caPem: cluster.caPem })
    const wrong = await Effect.runPromise(
      discoverOrExplain(cluster.endpoint, cluster.token, [`sha256:${"0".repeat(64)}`])
    )
    expect(wrong).toBe(`refused: the cluster's CA is ${cluster.caCertHash}`)
  })

  it("csr-bootstrap: a node client certificate the cluster CA signed", async () => {
    const creds = await Effect.runPromise(
      bootstrapNodeCredentials(cluster.endpoint, cluster.token, [cluster.caCertHash], "docs-node")
    )
    expect(await opensslVerify("docs-node", creds.certPem)).toMatch(/: OK$/)
    const subject = execFileSync("openssl", ["x509", "-noout", "-subject", "-nameopt", "RFC2253"], {
      input: creds.certPem,
      encoding: "utf8"
    })
    expect(subject.trim()).toBe("subject=CN=system:node:docs-node,O=system:nodes")
    expect(creds.keyPem).toContain("PRIVATE KEY")
  })

  it("control-plane-pki: every certificate of a joining control plane, under the root folder", async () => {
    const kubeadmConfig = cluster.get("configmaps", "kube-system", "kubeadm-config") as {
      data?: Record<string, string>
    }
    const clusterConfiguration = parse(kubeadmConfig.data?.["ClusterConfiguration"] ?? "") as Record<string, unknown>
    const root = await mkdtemp(join(work, "rootfs-"))
    const built = await Effect.runPromise(
      buildControlPlanePki(
        root,
        clusterConfiguration,
        { nodeName: "docs-cp", advertiseAddress: "127.0.17.3", bindPort: 6443 },
        { ca: cluster.pki.ca, frontProxyCa: cluster.pki.frontProxyCa, etcdCa: cluster.pki.etcdCa }
      )
    )
    expect(built.generated).toEqual(
      expect.arrayContaining(["apiserver", "apiserver-kubelet-client", "front-proxy-client", "etcd/server"])
    )
    const dir = join(root, built.certificatesDir)
    expect(await opensslVerify("apiserver", await readFile(join(dir, "apiserver.crt"), "utf8"))).toMatch(/: OK$/)
    expect((await stat(join(dir, "apiserver.key"))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, "sa.key"))).mode & 0o777).toBe(0o600)
  })

  describe("etcd-member, with a real etcd", () => {
    let etcd: RealEtcd
    beforeAll(async () => {
      etcd = await startEtcd({ name: "docs-cp-1" })
      return () => etcd.stop()
    })

    it("adds a learner member, once, and gives the --initial-cluster", async () => {
      const peerURL = "https://127.0.17.4:2380"
      const first = await Effect.runPromise(addEtcdMember([etcd.clientURL], etcd.tls, "docs-cp-2", peerURL))
      expect(first).toMatchObject({ isLearner: true, reused: false })
      expect(first.initialCluster.split(",").sort()).toEqual(
        [`docs-cp-1=${etcd.peerURL}`, `docs-cp-2=${peerURL}`].sort()
      )
      const again = await Effect.runPromise(addEtcdMember([etcd.clientURL], etcd.tls, "docs-cp-2", peerURL))
      expect(again).toMatchObject({ memberId: first.memberId, reused: true })
      // etcd itself (its member list) has the one learner
      const members = await etcd.members()
      expect(members.filter((m) => m.peerURLs.includes(peerURL))).toEqual([
        expect.objectContaining({ isLearner: true })
      ])
    })
  })

  it("phase-tree: the download retried until it works, verify skipped, parents before children", async () => {
    const { attempts, log } = await Effect.runPromise(runCustomTree)
    expect(attempts).toBe(3)
    expect(log).toEqual([
      // a parent's own run (none here) ends before its children start
      "started prepare",
      "done prepare",
      "started prepare/download",
      "done prepare/download",
      "started prepare/unpack",
      "done prepare/unpack",
      "started configure",
      "done configure",
      "skipped verify: skipped by this example"
    ])
  })
})
