/**
 * Control-plane joins against a real cluster: the built CLI downloads the
 * certificates the real kubeadm encrypted into kubeadm-certs, adds the node's
 * etcd member to the real etcd, and writes the manifests; the test runs the
 * new etcd, kube-apiserver, kube-controller-manager and kube-scheduler from those
 * manifests (the kubelet's part) while the join waits for them (current kubeadm's
 * wait-control-plane), and checks the result with openssl, etcdctl and the real kubectl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import { runStaticPods } from "../../src/real/static-pods.js"
import { waitFor } from "../../src/wait.js"
import { etcdctl, etcdMembers } from "./control-plane-helpers.js"
import { expectNothingLeft } from "./worker-helpers.js"
import { expectJoinSucceeded, startRealCluster, stopRealCluster, withRealMachine } from "./real-helpers.js"

let cluster: RealClusterService
beforeAll(async () => {
  cluster = await startRealCluster()
}, 300_000)
afterAll(() => stopRealCluster(cluster), 60_000)

/** The cluster's etcd as the init node's healthcheck client sees it. */
const initEtcd = () => {
  const pki = join(cluster.controlPlane.root, "etc/kubernetes/pki/etcd")
  const tls = {
    ca: readFileSync(join(pki, "ca.crt"), "utf8"),
    cert: readFileSync(join(pki, "healthcheck-client.crt"), "utf8"),
    key: readFileSync(join(pki, "healthcheck-client.key"), "utf8")
  }
  return { endpoints: [`https://${cluster.controlPlane.network.address}:2379`], tls }
}
const members = () => etcdMembers(initEtcd().endpoints, initEtcd().tls)
/** Removes the named etcd member (if there), so the next join finds a cluster with quorum once that node is gone. */
const removeMember = async (name: string) => {
  const { endpoints, tls } = initEtcd()
  const listed = await etcdctl(endpoints, tls, ["member", "list"])
  const id = listed.stdout
    .split("\n")
    .map((l) => l.split(", "))
    .find((f) => f[2] === name)?.[0]
  if (id === undefined) return
  const removed = await etcdctl(endpoints, tls, ["member", "remove", id])
  expect(removed.code, removed.stderr).toBe(0)
}

const CERTS: ReadonlyArray<[leaf: string, ca: string]> = [
  ["apiserver", "ca"],
  ["apiserver-kubelet-client", "ca"],
  ["front-proxy-client", "front-proxy-ca"],
  ["apiserver-etcd-client", "etcd/ca"],
  ["etcd/server", "etcd/ca"],
  ["etcd/peer", "etcd/ca"],
  ["etcd/healthcheck-client", "etcd/ca"]
]

describe("control-plane join, real cluster", () => {
  // Refusals first: once the second member is stopped, a two-member etcd has no quorum.
  it("a wrong --certificate-key is refused: no key written, etcd membership unchanged", async () => {
    const before = await members()
    await withRealMachine(cluster, "control-plane-bad-key", async ({ node, root, join: joinOnNode }) => {
      const wrong = "0123456789abcdef".repeat(4)
      const args = [
        ...cluster.joinCommands.worker,
        "--control-plane",
        "--certificate-key",
        wrong,
        "--node-name",
        "control-plane-bad-key",
        "--apiserver-advertise-address",
        node.network.address
      ]
      const r = await joinOnNode(args)
      expect(r.code, r.stdout + r.stderr).not.toBe(0)
      expect(r.stderr).toContain("error execution phase control-plane-prepare/download-certs")
      expect(r.stdout + r.stderr).not.toContain(wrong)
      await expectNothingLeft(root)
    })
    expect(await members()).toEqual(before)
  }, 200_000)

  // Before the join below, and leaving the cluster as it found it: its member is removed while its etcd still runs.
  it(
    "joins with a v1beta3 JoinConfiguration file (--config); its etcd member is removed afterwards",
    () =>
      withRealMachine(cluster, "control-plane-config", async ({ node, join: joinOnNode }) => {
        const pods = runStaticPods(node, cluster.components, [
          "etcd",
          "kube-apiserver",
          "kube-controller-manager",
          "kube-scheduler"
        ])
        const config = [
          "apiVersion: kubeadm.k8s.io/v1beta3",
          "kind: JoinConfiguration",
          "discovery:",
          "  bootstrapToken:",
          `    apiServerEndpoint: "${cluster.endpoint}"`,
          `    token: ${cluster.token}`,
          `    caCertHashes: ["${cluster.caCertHash}"]`,
          "  timeout: 2m0s",
          "nodeRegistration:",
          "  name: control-plane-config",
          "controlPlane:",
          "  localAPIEndpoint:",
          `    advertiseAddress: ${node.network.address}`,
          "    bindPort: 6443",
          `  certificateKey: "${cluster.certificateKey}"`,
          ""
        ].join("\n")
        mkdirSync(join(node.root, "srv"), { recursive: true })
        writeFileSync(join(node.root, "srv/join.yaml"), config, { mode: 0o600 })
        try {
          const r = await joinOnNode(["join", "--config", "/srv/join.yaml"])
          expectJoinSucceeded(r)
          expect(r.stderr).not.toContain("WARNING: error unmarshaling configuration")
          expect(r.stdout + r.stderr).not.toContain(cluster.certificateKey)
          const list = await members()
          expect(list.find((m) => m.name === "control-plane-config")).toMatchObject({
            peerURLs: [`https://${node.network.address}:2380`],
            isLearner: false
          })
          const labels = await cluster.kubectl([
            "get",
            "node",
            "control-plane-config",
            "-o",
            "jsonpath={.metadata.labels}"
          ])
          expect(labels.stdout).toContain('"node-role.kubernetes.io/control-plane":""')
        } catch (e) {
          throw new Error(`${causeText(e)}\n${pods.logTails()}`, { cause: e })
        } finally {
          await removeMember("control-plane-config")
          await pods.stop()
        }
      }),
    400_000
  )

  it(
    "joins with --certificate-key: real CAs, etcd member, a second etcd and kube-apiserver serving the same cluster",
    () =>
      withRealMachine(cluster, "control-plane-1", async ({ node, root, join: joinOnNode }) => {
        const pods = runStaticPods(node, cluster.components, [
          "etcd",
          "kube-apiserver",
          "kube-controller-manager",
          "kube-scheduler"
        ])
        try {
          const r = await joinOnNode([
            ...cluster.joinCommands.controlPlane,
            "--node-name",
            "control-plane-1",
            "--apiserver-advertise-address",
            node.network.address
          ])
          expectJoinSucceeded(r)
          expect(r.stdout + r.stderr).not.toContain(cluster.certificateKey)
          // the line kubeadm-ts tracks: no KubernetesVersion warning for this cluster
          expect(r.stderr).not.toContain("KubernetesVersion")
          // as kubeadm 1.29+ does: a learner first, promoted once in sync (1.37 words it as for any member)
          expect(r.stdout).toContain("[etcd] Announced new etcd member joining to the existing etcd cluster\n")
          // current kubeadm's order (1.37): etcd-join after kubelet-start, then the kubelet's wait, then the control plane's
          const at = (line: string) => {
            const i = r.stdout.indexOf(line)
            expect(i, line).toBeGreaterThanOrEqual(0)
            return i
          }
          const order = [
            at(
              '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"'
            ),
            at("[etcd] Announced new etcd member joining to the existing etcd cluster"),
            at(
              "[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s"
            ),
            at("[kubelet-check] The kubelet is healthy after "),
            at("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap"),
            at("[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s"),
            at(`[control-plane-check] Checking kube-apiserver at https://${node.network.address}:6443/livez`),
            at("[control-plane-check] Checking kube-controller-manager at https://127.0.0.1:10257/healthz"),
            at("[control-plane-check] Checking kube-scheduler at https://127.0.0.1:10259/livez")
          ]
          expect([...order].sort((a, b) => a - b)).toEqual(order)
          for (const name of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"])
            expect(r.stdout).toContain(`[control-plane-check] ${name} is healthy after `)
          // and the 1.15 phase the 1.37 cluster's kubeadm no longer has did not run
          expect(r.stdout).not.toContain("update-status")
          const pki = join(root, "etc/kubernetes/pki")
          const realPki = join(cluster.controlPlane.root, "etc/kubernetes/pki")
          // The shared CAs are the init node's, byte for byte; every new certificate verifies against them.
          for (const ca of ["ca.crt", "front-proxy-ca.crt", "etcd/ca.crt", "sa.pub"])
            expect(readFileSync(join(pki, ca), "utf8"), ca).toBe(readFileSync(join(realPki, ca), "utf8"))
          for (const [leaf, ca] of CERTS) {
            const crt = join(pki, `${leaf}.crt`)
            expect(
              execFileSync("openssl", ["verify", "-CAfile", join(realPki, `${ca}.crt`), crt], {
                encoding: "utf8"
              }).trim()
            ).toBe(`${crt}: OK`)
            expect(statSync(join(pki, `${leaf}.key`)).mode & 0o777, leaf).toBe(0o600)
          }
          // Two voting etcd members: the learner was promoted.
          const list = await members()
          expect(list.map((m) => m.name).sort()).toEqual(["control-plane-0", "control-plane-1"])
          expect(list.every((m) => !m.isLearner)).toBe(true)
          // The second kube-apiserver, from the manifest the join wrote, answers and serves the same objects.
          const second = [
            "--kubeconfig",
            join(root, "etc/kubernetes/admin.conf"),
            "--server",
            `https://${node.network.address}:6443`
          ]
          await waitFor(
            async () => (await cluster.kubectl([...second, "get", "--raw", "/readyz"])).stdout.trim() === "ok",
            {
              timeoutMs: 120_000,
              intervalMs: 500,
              what: `the second kube-apiserver's /readyz\n${pods.logTails()}`
            }
          )
          // (controller-manager.conf and scheduler.conf name this node's API server, ready now.)
          // The kubeconfigs authenticate with the real kubectl, as identities the real RBAC knows:
          // each component may read its leader-election lease (this node's scheduler, the cluster's only one, holds its own).
          const kubectlWith = (conf: string, ...args: Array<string>) =>
            spawnSync(
              cluster.components.bin("kubectl"),
              ["--kubeconfig", join(root, "etc/kubernetes", conf), ...args],
              { encoding: "utf8" }
            )
          const lease = (name: string) => `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`
          expect(
            kubectlWith("controller-manager.conf", "get", "--raw", lease("kube-controller-manager")).stdout
          ).toContain('"holderIdentity"')
          await waitFor(
            () =>
              kubectlWith("scheduler.conf", "get", "--raw", lease("kube-scheduler")).stdout.includes(
                '"holderIdentity"'
              ),
            {
              timeoutMs: 60_000,
              intervalMs: 500,
              what: `the new kube-scheduler to hold its lease\n${pods.logTails()}`
            }
          )
          expect(kubectlWith("admin.conf", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").stdout).toBe(
            "kubernetes-admin"
          )
          const uid = async (extra: ReadonlyArray<string>) =>
            (
              await cluster.kubectl([
                ...extra,
                "-n",
                "kube-system",
                "get",
                "cm",
                "kubeadm-config",
                "-o",
                "jsonpath={.metadata.uid}"
              ])
            ).stdout
          expect(await uid(second)).toBe(await uid([]))
          // That version's control-plane label and taint.
          const nodeJson = await cluster.kubectl(["get", "node", "control-plane-1", "-o", "json"])
          const n = JSON.parse(nodeJson.stdout) as {
            metadata: { labels: Record<string, string> }
            spec: { taints?: Array<{ key: string; effect: string }> }
          }
          expect(n.metadata.labels).toHaveProperty("node-role.kubernetes.io/control-plane", "")
          expect(n.spec.taints).toContainEqual(
            expect.objectContaining({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" })
          )
        } catch (e) {
          throw new Error(`${causeText(e)}\n${pods.logTails()}`, { cause: e })
        } finally {
          await pods.stop()
        }
      }),
    400_000
  )
})
