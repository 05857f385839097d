/**
 * File discovery from a kubeconfig that carries its own credentials, and no --token (spec
 * join-node.md §3.3, kubeadm v1.16+): the join uses the file's credentials for the TLS
 * bootstrap (they become bootstrap-kubelet.conf). Built CLI in a child process against the
 * testkit control plane, each join in a fresh temp rootfs. No container runtime runs here, so
 * preflight errors are ignored (this file is about discovery and the bootstrap credentials).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { initCluster, startFakeKubelet, type TestCluster } from "../../src/index.js"
import { runCli } from "./worker-helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.2.21" })
})
afterAll(() => cluster.close())

/** A fresh rootfs holding `root/discovery.conf`; removed afterwards. */
const withRootfs = async (discovery: string, test: (rootfs: string) => Promise<void>) => {
  const rootfs = await mkdtemp(join(tmpdir(), "kubeadm-ts-e2e-discovery-"))
  try {
    await mkdir(join(rootfs, "srv"), { recursive: true })
    await writeFile(join(rootfs, "srv/discovery.conf"), discovery, { mode: 0o600 })
    await test(rootfs)
  } finally {
    await rm(rootfs, { recursive: true, force: true })
  }
}

const join_ = (rootfs: string, nodeName: string, extra: ReadonlyArray<string> = []) =>
  runCli([
    "join",
    "--discovery-file",
    "/srv/discovery.conf",
    "--rootfs",
    rootfs,
    "--node-name",
    nodeName,
    "--ignore-preflight-errors=all",
    ...extra
  ])

/** The node's own credential exists and is the one the cluster signed for it; the bootstrap file is gone. */
const expectNodeCredential = (rootfs: string, nodeName: string) => {
  const pem = join(rootfs, "var/lib/kubelet/pki/kubelet-client-current.pem")
  expect(existsSync(join(rootfs, "etc/kubernetes/kubelet.conf"))).toBe(true)
  expect(existsSync(join(rootfs, "etc/kubernetes/bootstrap-kubelet.conf")), "bootstrap-kubelet.conf removed").toBe(
    false
  )
  expect(readFileSync(join(rootfs, "etc/kubernetes/pki/ca.crt"), "utf8")).toBe(cluster.caPem)
  const subject = execFileSync("openssl", ["x509", "-in", pem, "-noout", "-subject", "-nameopt", "RFC2253"], {
    encoding: "utf8"
  })
  expect(subject.trim()).toBe(`subject=CN=system:node:${nodeName},O=system:nodes`)
  expect(
    execFileSync("openssl", ["verify", "-CAfile", join(rootfs, "etc/kubernetes/pki/ca.crt"), pem], {
      encoding: "utf8"
    }).trim()
  ).toBe(`${pem}: OK`)
}

/** Who created this node's CSR (the audit log's authenticated user). */
const csrCreators = () =>
  cluster.audit.entries
    .filter((e) => e.verb === "create" && e.path.includes("/certificatesigningrequests") && e.status < 300)
    .map((e) => e.user)

describe("file discovery with credentials in the file and no --token (built CLI, testkit control plane)", () => {
  it("a bootstrap token in the file is the TLS bootstrap credential (self TLS bootstrap)", () =>
    withRootfs(cluster.bootstrapKubeconfig(), async (rootfs) => {
      cluster.audit.clear()
      const r = await join_(rootfs, "file-token-self", ["--self-tls-bootstrap", "--v=1"])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("This node has joined the cluster:")
      expect(r.stderr).toContain(
        "[discovery] Using authentication credentials from the discovery file for validating TLS connection"
      )
      expectNodeCredential(rootfs, "file-token-self")
      const tokenId = cluster.token.split(".")[0]
      expect(csrCreators()).toEqual([`system:bootstrap:${tokenId}`])
      // The token secret appears in no output line.
      expect(r.stdout + r.stderr).not.toContain(cluster.token.split(".")[1])
    }))

  it("a bootstrap token in the file, the kubelet (FakeKubelet) doing the TLS bootstrap from bootstrap-kubelet.conf", () =>
    withRootfs(cluster.bootstrapKubeconfig(), async (rootfs) => {
      const kubelet = startFakeKubelet({ rootfs, hostname: "file-token-kubelet", csrApiVersion: "v1beta1" })
      try {
        const r = await join_(rootfs, "file-token-kubelet")
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toContain("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...")
        expectNodeCredential(rootfs, "file-token-kubelet")
      } finally {
        await kubelet.stop()
      }
    }))

  it("a client certificate in the file is the TLS bootstrap credential", async () => {
    const discovery = await cluster.clientKubeconfig("system:bootstrap:certjoin", [
      "system:bootstrappers",
      "system:bootstrappers:kubeadm:default-node-token"
    ])
    await withRootfs(discovery, async (rootfs) => {
      cluster.audit.clear()
      const r = await join_(rootfs, "file-cert-self", ["--self-tls-bootstrap"])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("This node has joined the cluster:")
      expectNodeCredential(rootfs, "file-cert-self")
      expect(csrCreators()).toEqual(["system:bootstrap:certjoin"])
      expect(
        cluster.audit.entries
          .filter((e) => e.user === "system:bootstrap:certjoin")
          .every((e) => e.via === "client-certificate")
      ).toBe(true)
    })
  })

  it("a file without credentials and no --token fails before anything is written, naming the missing credentials", () =>
    withRootfs(cluster.anonymousKubeconfig(), async (rootfs) => {
      const r = await join_(rootfs, "file-none", ["--self-tls-bootstrap"])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain("couldn't find authentication credentials for the TLS boostrap process") // sic, kubeadm's text
      expect(existsSync(join(rootfs, "etc/kubernetes/kubelet.conf"))).toBe(false)
      expect(existsSync(join(rootfs, "etc/kubernetes/bootstrap-kubelet.conf"))).toBe(false)
      expect(existsSync(join(rootfs, "var/lib/kubelet/pki"))).toBe(false)
    }))
})
