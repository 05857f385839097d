/**
 * Patches on a worker, through the built CLI against the testkit control plane: a v1beta4
 * file's `patches.directory` patches the kubelet's config.yaml (files of unknown targets are
 * ignored, as kubeadm does), and a patch that does not apply to it stops the join before the
 * kubelet's files are written.
 */
import { createHash } from "node:crypto"
import { readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { SHARED_PORT } from "../helpers.js"
import { filesUnder } from "./control-plane-helpers.js"
import { expectJoined, runCli, withMachine } from "./worker-helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.2.41" })
})
afterAll(() => cluster.close())

const joinConfiguration = (nodeName: string) => `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
nodeRegistration:
  name: ${nodeName}
  ignorePreflightErrors: [${SHARED_PORT}]
discovery:
  bootstrapToken:
    token: ${cluster.token}
    apiServerEndpoint: ${cluster.endpoint}
    caCertHashes: ["${cluster.caCertHash}"]
patches:
  directory: /etc/kubeadm/patches
`

const tree = async (rootfs: string) => {
  const out: string[] = []
  for (const f of await filesUnder(rootfs)) {
    const p = join(rootfs, f)
    out.push(
      `${f} ${((await stat(p)).mode & 0o7777).toString(8)} ${createHash("sha256")
        .update(await readFile(p))
        .digest("hex")}`
    )
  }
  return out
}

describe("worker join with patches.directory (built CLI, testkit control plane)", () => {
  it("patches config.yaml; ignores files of unknown targets", () =>
    withMachine(
      async (rootfs) => {
        const r = await runCli([
          "join",
          "--config",
          "/etc/kubeadm/join.yaml",
          "--rootfs",
          rootfs,
          "--self-tls-bootstrap"
        ])
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toContain('[patches] Reading patches from path "/etc/kubeadm/patches"')
        expect(r.stdout).toContain(
          '[patches] Ignoring file "kube-proxy.yaml": unknown target, must be one of [etcd kube-apiserver kube-controller-manager kube-scheduler kubeletconfiguration corednsdeployment kubeproxydaemonset]'
        )
        expect(r.stdout).toContain(
          "[patches] Found the following patch files: [corednsdeployment.yaml kubeletconfiguration+json.yaml]"
        )
        expect(r.stdout).toContain(
          '[patches] Applied patch of type "application/json-patch+json" to target "kubeletconfiguration"'
        )
        await expectJoined(rootfs, cluster, "worker-patched")
        const config = parse(await readFile(join(rootfs, "var/lib/kubelet/config.yaml"), "utf8")) as Record<
          string,
          unknown
        >
        expect(config["maxPods"]).toBe(31)
        expect(config["kind"]).toBe("KubeletConfiguration")
      },
      {
        "etc/kubeadm/join.yaml": joinConfiguration("worker-patched"),
        "etc/kubeadm/patches/kubeletconfiguration+json.yaml": '[{"op": "add", "path": "/maxPods", "value": 31}]\n',
        "etc/kubeadm/patches/kube-proxy.yaml": "a: b\n",
        "etc/kubeadm/patches/corednsdeployment.yaml": "a: b\n"
      }
    ))

  it("a patch that does not apply to config.yaml: exit non-zero, names the file, writes nothing", () =>
    withMachine(
      async (rootfs) => {
        const before = await tree(rootfs)
        const r = await runCli([
          "join",
          "--config",
          "/etc/kubeadm/join.yaml",
          "--rootfs",
          rootfs,
          "--self-tls-bootstrap"
        ])
        expect(r.code).not.toBe(0)
        expect(r.stderr).toContain(
          'could not apply patches to the KubeletConfiguration: could not apply the following patch of type "application/json-patch+json" to target "kubeletconfiguration" (file "kubeletconfiguration+json.yaml")'
        )
        expect(r.stderr).toContain('remove operation does not apply: doc is missing key: "/noSuchField"')
        expect(await tree(rootfs)).toEqual(before)
      },
      {
        "etc/kubeadm/join.yaml": joinConfiguration("worker-bad-patch"),
        "etc/kubeadm/patches/kubeletconfiguration+json.yaml": '[{"op": "remove", "path": "/noSuchField"}]\n'
      }
    ))
})
