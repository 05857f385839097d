/**
 * Shared steps of the real-cluster e2e tests: a node on the cluster's test
 * network with its own root folder, containerd and kubelet unit (systemctl
 * shim), the built CLI run on that node, and the checks of a joined node made
 * with the real kubectl and openssl.
 */
import { execFileSync } from "node:child_process"
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync } from "node:fs"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { expect } from "vitest"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { startContainerd } from "../../src/node/containerd.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { installKubeletUnit, type KubeletUnit } from "../../src/real/kubelet-unit.js"
import type { NodeHost } from "../../src/real/node-process.js"
import { realCluster, type RealClusterService } from "../../src/real/real-cluster.js"
import { waitFor } from "../../src/wait.js"
import { runChild } from "../helpers.js"
import { expectNoSecretLeak } from "./canary.js"
import { CLI, type CliResult, expectPrivateKeysPrivate } from "./worker-helpers.js"

/** The built CLI; KUBEADM_TS_CLI names another build (of another checkout, say) to run instead. */
const CLI_UNDER_TEST = process.env["KUBEADM_TS_CLI"] ?? CLI

/** A real cluster in a temp folder, for a test file's beforeAll (removed by `stopRealCluster`). */
export const startRealCluster = async (options: { controlPlaneEndpoint?: boolean } = {}): Promise<RealClusterService> =>
  realCluster({ dir: mkdtempSync(join(tmpdir(), "kubeadm-ts-real-")), ...options })

export const stopRealCluster = async (cluster: RealClusterService | undefined) => {
  if (!cluster) return
  await cluster.close()
  await rm(join(cluster.controlPlane.root, ".."), { recursive: true, force: true })
}

export interface RealMachine {
  readonly node: NodeHost
  readonly root: string
  readonly kubelet: KubeletUnit
  /** The built kubeadm-ts on this node (its network namespace), `--rootfs` set to the node's root. */
  readonly join: (args: ReadonlyArray<string>) => Promise<CliResult>
}

/** A fresh node of the cluster with containerd and the real kubelet's unit; everything it started is stopped after `test`. */
export const withRealMachine = async (
  cluster: RealClusterService,
  name: string,
  test: (machine: RealMachine) => Promise<unknown>,
  files: Record<string, string> = {}
) => {
  const node = cluster.addNode(name)
  await makeWorkerMachine({ dir: node.root, files, kubeletBinary: cluster.components.bin("kubelet") })
  const containerd = await startContainerd(node.root)
  const kubelet = installKubeletUnit(node, cluster.components)
  const join = async (args: ReadonlyArray<string>): Promise<CliResult> => {
    const started = Date.now()
    const r = await runChild(
      "nsenter",
      [`--net=/run/netns/${node.network.netns}`, process.execPath, CLI_UNDER_TEST, ...args, "--rootfs", node.root],
      { timeoutMs: Number(process.env["KUBEADM_TS_JOIN_TIMEOUT_MS"] ?? 240_000) }
    )
    expectNoSecretLeak(args, r, started, node.root)
    return { code: r.code ?? 128, stdout: r.stdout, stderr: r.stderr }
  }
  try {
    await test({ node, root: node.root, kubelet, join })
  } catch (e) {
    throw new Error(`${causeText(e)}\n--- kubelet log tail:\n${kubelet.logTail()}`, { cause: e })
  } finally {
    kubelet.stop()
    await containerd.stop()
    await rm(node.root, { recursive: true, force: true })
  }
}

export const expectJoinSucceeded = (r: CliResult) => {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
  expect(r.stderr + r.stdout).not.toContain("error execution phase")
  expect(r.stdout).toMatch(/This node has joined the cluster( and a new control plane instance was created)?:/)
}

/** What a worker join with a real cluster leaves: checked with openssl and the real kubectl, not with our own code. */
export const expectRealNodeJoined = async (cluster: RealClusterService, root: string, nodeName: string) => {
  const path = (p: string) => join(root, p)
  const kubeletConf = path("etc/kubernetes/kubelet.conf")
  const pem = path("var/lib/kubelet/pki/kubelet-client-current.pem")
  expect(statSync(kubeletConf).mode & 0o777).toBe(0o600)
  expect(existsSync(path("etc/kubernetes/bootstrap-kubelet.conf")), "bootstrap-kubelet.conf removed").toBe(false)
  // The kubelet links its current certificate with an absolute path of its machine: inside the root here.
  expect(lstatSync(pem).isSymbolicLink()).toBe(true)
  const link = readlinkSync(pem)
  const issued = link.startsWith("/") ? join(root, link) : join(dirname(pem), link)
  expect(statSync(issued).mode & 0o777).toBe(0o600)
  expect(readFileSync(path("etc/kubernetes/pki/ca.crt"), "utf8")).toBe(cluster.caPem)
  // The client certificate the real CSR signer issued.
  const subject = execFileSync("openssl", ["x509", "-in", issued, "-noout", "-subject", "-nameopt", "RFC2253"], {
    encoding: "utf8"
  })
  expect(subject.trim()).toBe(`subject=CN=system:node:${nodeName},O=system:nodes`)
  const verify = execFileSync(
    "openssl",
    ["verify", "-CAfile", join(cluster.controlPlane.root, "etc/kubernetes/pki/ca.crt"), issued],
    { encoding: "utf8" }
  )
  expect(verify.trim()).toBe(`${issued}: OK`)
  await expectPrivateKeysPrivate(root)
  // NodeLocalCRISocket (1.34+): the socket is the node's own setting, not a flag or an annotation.
  const socket = "unix:///var/run/containerd/containerd.sock"
  expect(readFileSync(path("var/lib/kubelet/instance-config.yaml"), "utf8")).toBe(
    `containerRuntimeEndpoint: "${socket}"\n`
  )
  expect(readFileSync(path("var/lib/kubelet/config.yaml"), "utf8")).toContain(`containerRuntimeEndpoint: ${socket}\n`)
  expect(readFileSync(path("var/lib/kubelet/kubeadm-flags.env"), "utf8")).not.toContain("--container-runtime-endpoint")
  // The Node as the real API server has it (NotReady is fine: there is no CNI).
  // (kubeadm, like kubeadm-ts, is done once the kubelet has its certificate: it registers soon after)
  const node = await waitFor(
    async () => {
      const r = await cluster.kubectl(["get", "node", nodeName, "-o", "json"])
      return r.code === 0 ? r : undefined
    },
    { timeoutMs: 90_000, intervalMs: 500, what: `the kubelet to register Node ${nodeName}` }
  )
  const metadata = (JSON.parse(node.stdout) as { metadata: { name: string; annotations?: Record<string, string> } })
    .metadata
  expect(metadata.name).toBe(nodeName)
  expect(metadata.annotations?.["kubeadm.alpha.kubernetes.io/cri-socket"]).toBeUndefined()
}

/** `join <endpoint> --token T --discovery-token-ca-cert-hash H` for the real cluster. */
export const realTokenJoinArgs = (
  cluster: RealClusterService,
  token = cluster.token,
  hash = cluster.caCertHash
): Array<string> => ["join", cluster.endpoint, "--token", token, "--discovery-token-ca-cert-hash", hash]
