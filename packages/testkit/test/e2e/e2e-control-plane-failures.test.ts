/**
 * Control-plane join failures and recovery, through the built CLI against the
 * testkit with a REAL etcd: refused joins write no private key and leave the
 * etcd membership alone; a join killed right after announcing its member
 * recovers on a re-run with exactly one member for its peer URL.
 */
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { initClusterWithEtcd } from "../../src/etcd/cluster-with-etcd.js"
import { defined } from "../helpers.js"
import {
  controlPlaneMachine,
  etcdMembers,
  filesUnder,
  runCli,
  useClusterWithEtcd,
  expectOneHealthyMember
} from "./control-plane-helpers.js"

const privateKeys = async (rootfs: string) =>
  (await filesUnder(rootfs)).filter((f) => f.endsWith(".key") || f.endsWith(".conf"))

describe("control-plane join failures (built CLI, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })
  const cleanups = cp.cleanups

  const membersNow = () => etcdMembers([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls)

  it("a wrong certificate key: exit 1, clear message, no private key written, membership unchanged", async () => {
    const m = await controlPlaneMachine("cp-wrong-key")
    cleanups.push(m.cleanup)
    const before = await membersNow()
    const args = [...cp.cluster.joinCommands.controlPlane]
    const wrong = "ab".repeat(32)
    args[args.indexOf("--certificate-key") + 1] = wrong
    const r = await runCli([...args, ...m.flags])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      "error execution phase control-plane-prepare/download-certs: error downloading certs: wrong certificate key"
    )
    expect(r.stderr + r.stdout).not.toContain(wrong)
    expect(await privateKeys(m.rootfs)).toEqual([])
    expect(await membersNow()).toEqual(before)
  })

  it("a missing kubeadm-certs Secret: exit 1, says it expired and how to upload again, nothing written", async () => {
    const m = await controlPlaneMachine("cp-no-secret")
    cleanups.push(m.cleanup)
    const before = await membersNow()
    const secret = defined(cp.cluster.get("secrets", "kube-system", "kubeadm-certs"), "the kubeadm-certs Secret")
    cp.cluster.store.delete("secrets", "kube-system", "kubeadm-certs")
    try {
      const r = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(
        "the certificate Secret is gone or expired (it lives 2 hours): run `kubeadm init phase upload-certs --upload-certs` again"
      )
      expect(await privateKeys(m.rootfs)).toEqual([])
      expect(await membersNow()).toEqual(before)
    } finally {
      const { metadata, ...rest } = secret as { metadata: Record<string, unknown> }
      cp.cluster.store.create("secrets", {
        ...rest,
        metadata: { name: String(metadata["name"]), namespace: String(metadata["namespace"]) }
      })
    }
  })

  it("without --certificate-key the shared certificates must already be on the node: exit 1, readiness block, nothing written", async () => {
    const m = await controlPlaneMachine("cp-no-key")
    cleanups.push(m.cleanup)
    const args = [...cp.cluster.joinCommands.controlPlane]
    args.splice(args.indexOf("--certificate-key"), 2)
    const r = await runCli([...args, ...m.flags])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("One or more conditions for hosting a new control plane instance is not satisfied.")
    expect(r.stderr).toContain(
      "failure loading certificate for CA: couldn't load the certificate file /etc/kubernetes/pki/ca.crt"
    )
    expect(r.stderr).toContain("* The certificates that must be shared among control plane instances are provided.")
    expect(await privateKeys(m.rootfs)).toEqual([])
  })

  it("a cluster without controlPlaneEndpoint: exit 1 with kubeadm's readiness block, nothing written", async () => {
    const noEndpoint = await initClusterWithEtcd({ kubernetesVersion: "v1.15.12", controlPlaneEndpoint: "" })
    cleanups.push(() => noEndpoint.close())
    const m = await controlPlaneMachine("cp-no-endpoint")
    cleanups.push(m.cleanup)
    const r = await runCli([...noEndpoint.joinCommands.controlPlane, ...m.flags])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("One or more conditions for hosting a new control plane instance is not satisfied.")
    expect(r.stderr).toContain("doesn't have a stable controlPlaneEndpoint address")
    expect(r.stderr).toContain("* The cluster has a stable controlPlaneEndpoint address.")
    expect(await privateKeys(m.rootfs)).toEqual([])
    expect((await etcdMembers([noEndpoint.etcd.clientURL], noEndpoint.etcd.tls)).map((x) => x.name)).toEqual([
      "control-plane-1"
    ])
  })

  it("killed (SIGKILL) right after its etcd member was announced, then resumed with `join phase control-plane-join all`: exactly one member for its peer URL, healthy (the full re-run: e2e-control-plane-resume)", async () => {
    const m = await controlPlaneMachine("cp-killed")
    cleanups.push(m.cleanup)
    const peerURL = `https://${m.address}:2380`
    const first = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags], {
      killWhen: (line) => line.startsWith("[etcd] Announced new etcd member")
    })
    expect(first.signal).toBe("SIGKILL")
    expect((await membersNow()).filter((x) => x.peerURLs.includes(peerURL))).toHaveLength(1)
    // resume the way kubeadm documents: re-run the failed parent phase on the node
    const again = await runCli([
      "join",
      "phase",
      "control-plane-join",
      "all",
      "--control-plane",
      "--rootfs",
      m.rootfs,
      "--node-name",
      m.nodeName,
      "--apiserver-advertise-address",
      m.address
    ])
    expect(again.code, again.stderr + again.stdout).toBe(0)
    expect(again.stdout).toContain("already announced")
    await expectOneHealthyMember(cp.cluster.etcd, peerURL, "cp-killed")
  })

  it("without --certificate-key but with the shared certificates copied onto the node (kubeadm's manual way), the join succeeds", async () => {
    const m = await controlPlaneMachine("cp-copied")
    cleanups.push(m.cleanup)
    const pki = join(m.rootfs, "etc/kubernetes/pki")
    await mkdir(join(pki, "etcd"), { recursive: true })
    const put = (f: string, text: string) => writeFile(join(pki, f), text, { mode: f.endsWith(".key") ? 0o600 : 0o644 })
    await put("ca.crt", cp.cluster.pki.ca.certPem)
    await put("ca.key", cp.cluster.pki.ca.keyPem)
    await put("front-proxy-ca.crt", cp.cluster.pki.frontProxyCa.certPem)
    await put("front-proxy-ca.key", cp.cluster.pki.frontProxyCa.keyPem)
    await put("etcd/ca.crt", cp.cluster.pki.etcdCa.certPem)
    await put("etcd/ca.key", cp.cluster.pki.etcdCa.keyPem)
    await put("sa.key", cp.cluster.pki.sa.keyPem)
    await put("sa.pub", cp.cluster.pki.sa.pubPem)
    const args = [...cp.cluster.joinCommands.controlPlane]
    args.splice(args.indexOf("--certificate-key"), 2)
    const r = await runCli([...args, ...m.flags])
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).not.toContain("[download-certs]")
    expect(r.stdout).toContain(`[certs] Using the existing "sa" key`)
    expect((await membersNow()).some((x) => x.name === "cp-copied" && x.clientURLs.length > 0)).toBe(true)
  })
})
