// The FakeKubelet: bootstrap kubeconfig in a temp rootfs -> TLS bootstrap -> files -> Ready Node.
import { parseCertificate } from "@kubeadm-ts/join/crypto"
import { lstatSync, readFileSync, readlinkSync, statSync } from "node:fs"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { initCluster, startFakeKubelet, type TestCluster } from "../src/index.js"
import { kubectl, tempDir } from "./helpers.js"

let cluster: TestCluster

beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.1.4", keyAlgorithm: "ecdsa-p256" })
  return () => cluster.close()
})

const writeBootstrap = async (rootfs: string, flags: string) => {
  await mkdir(join(rootfs, "etc/kubernetes"), { recursive: true })
  await writeFile(join(rootfs, "etc/kubernetes/bootstrap-kubelet.conf"), cluster.bootstrapKubeconfig(), { mode: 0o600 })
  await mkdir(join(rootfs, "var/lib/kubelet"), { recursive: true })
  await writeFile(join(rootfs, "var/lib/kubelet/kubeadm-flags.env"), `KUBELET_KUBEADM_ARGS=${JSON.stringify(flags)}\n`)
}

describe("FakeKubelet", () => {
  it("bootstraps, writes the kubelet's files and registers a Ready Node", async () => {
    const rootfs = tempDir("rootfs-")
    let hookName = ""
    const kubelet = startFakeKubelet({
      rootfs,
      hostname: "ignored-host",
      onStarted: (ctx) => void (hookName = ctx.nodeName)
    })
    await writeBootstrap(
      rootfs,
      "--container-runtime=remote --hostname-override=worker-a --register-with-taints=dedicated=x:NoSchedule"
    )
    const ctx = await kubelet.started
    await kubelet.stop()
    expect(ctx.nodeName).toBe("worker-a")
    expect(hookName).toBe("worker-a")

    const current = join(rootfs, "var/lib/kubelet/pki/kubelet-client-current.pem")
    expect(lstatSync(current).isSymbolicLink()).toBe(true)
    expect(readlinkSync(current)).toMatch(/^kubelet-client-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.pem$/)
    expect(statSync(current).mode & 0o777).toBe(0o600)
    const pem = readFileSync(current, "utf8")
    expect(pem).toMatch(/-----BEGIN CERTIFICATE-----[\s\S]*-----BEGIN EC PRIVATE KEY-----/)
    expect(parseCertificate(pem)).toMatchObject({ commonName: "system:node:worker-a", organizations: ["system:nodes"] })

    const kubeletConf = join(rootfs, "etc/kubernetes/kubelet.conf")
    expect(statSync(kubeletConf).mode & 0o777).toBe(0o600)
    expect(readFileSync(kubeletConf, "utf8")).toContain(`client-certificate: ${current}`)
    const node = cluster.get("nodes", undefined, "worker-a")
    expect(node?.metadata.labels?.["kubernetes.io/hostname"]).toBe("worker-a")
    expect(node?.["spec"]).toMatchObject({ taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }] })
    // the node identity works with the real kubectl (Node authorizer)
    const r = await kubectl(kubeletConf, [
      "get",
      "node",
      "worker-a",
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Ready')].status}"
    ])
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe("True")
    // and may not read secrets
    const s = await kubectl(kubeletConf, ["get", "secrets", "-n", "kube-system"])
    expect(s.stderr).toContain("Forbidden")
  })

  it("reuses a valid kubelet.conf instead of bootstrapping again", async () => {
    const rootfs = tempDir("rootfs-")
    await writeBootstrap(rootfs, "--hostname-override=worker-b")
    const first = startFakeKubelet({ rootfs })
    await first.started
    await first.stop()
    const csrs = cluster.store.list("certificatesigningrequests.certificates.k8s.io").length
    const second = startFakeKubelet({ rootfs })
    expect((await second.started).nodeName).toBe("worker-b")
    await second.stop()
    expect(cluster.store.list("certificatesigningrequests.certificates.k8s.io").length).toBe(csrs)
  })

  it("stop() before any bootstrap file ends it with a rejection", async () => {
    const kubelet = startFakeKubelet({ rootfs: tempDir("rootfs-") })
    await kubelet.stop()
    await expect(kubelet.started).rejects.toThrow("stopped")
  })
})
