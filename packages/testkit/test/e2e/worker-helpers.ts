/**
 * Shared steps of the worker e2e tests: run the BUILT CLI in a child process
 * (async: the control plane runs in this process and must keep answering), and
 * check what a successful join leaves on disk and in the cluster with
 * independent tools (openssl, kubectl). Every run is checked for leaked secrets (canary.ts).
 */
import { execFile, execFileSync } from "node:child_process"
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from "node:fs"
import { readdir, rm } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"
import { runChild } from "../helpers.js"
import { expectNoSecretLeak } from "./canary.js"
import type { AuditEntry } from "../../src/api-server/audit.js"
import type { TestCluster } from "../../src/cluster/init-cluster.js"
import { startContainerd } from "../../src/node/containerd.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"

export const CLI = fileURLToPath(new URL("../../../cli/dist/kubeadm-ts.mjs", import.meta.url))

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const runCli = async (args: ReadonlyArray<string>, timeoutMs = 90_000): Promise<CliResult> => {
  if (!existsSync(CLI)) throw new Error(`the CLI is not built (${CLI}): run npm run build`)
  const started = Date.now()
  const { code, signal, stdout, stderr } = await runChild(process.execPath, [CLI, ...args], { timeoutMs })
  expectNoSecretLeak(args, { stdout, stderr }, started)
  return { code: code ?? (signal ? 128 : 1), stdout, stderr }
}

/** `join <endpoint> --token T --discovery-token-ca-cert-hash H` for this cluster. */
export const tokenJoinArgs = (cluster: TestCluster, token = cluster.token): Array<string> => [
  "join",
  cluster.endpoint,
  "--token",
  token,
  "--discovery-token-ca-cert-hash",
  cluster.caCertHash
]

const execAsync = (file: string, args: ReadonlyArray<string>) =>
  new Promise<{ stdout: string; stderr: string; code: number }>((resolve) =>
    execFile(file, [...args], { encoding: "utf8", timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (typeof err.code === "number" ? err.code : 1) : 0 })
    )
  )

/** The detected containerd socket as the cluster's kubeadm writes it: a plain path before 1.24, a unix:// URL since. */
export const criSocketOf = (cluster: TestCluster): string =>
  Number(/^v?\d+\.(\d+)/.exec(cluster.kubernetesVersion)?.[1] ?? "0") >= 24
    ? "unix:///var/run/containerd/containerd.sock"
    : "/var/run/containerd/containerd.sock"

/** Every "Done when" check of a successful worker join. */
export const expectJoined = async (rootfs: string, cluster: TestCluster, nodeName: string) => {
  const path = (p: string) => join(rootfs, p)
  const kubeletConf = path("etc/kubernetes/kubelet.conf")
  const pem = path("var/lib/kubelet/pki/kubelet-client-current.pem")
  expect(existsSync(kubeletConf), "kubelet.conf").toBe(true)
  expect(statSync(kubeletConf).mode & 0o777).toBe(0o600)
  expect(lstatSync(pem).isSymbolicLink()).toBe(true)
  expect(statSync(realpathSync(pem)).mode & 0o777).toBe(0o600)
  expect(readFileSync(path("etc/kubernetes/pki/ca.crt"), "utf8")).toBe(cluster.caPem)
  expect(existsSync(path("var/lib/kubelet/config.yaml"))).toBe(true)
  const flags = readFileSync(path("var/lib/kubelet/kubeadm-flags.env"), "utf8")
  expect(flags).toMatch(/^KUBELET_KUBEADM_ARGS=".*"\n$/)
  // the endpoint leads the list from 1.24 (no --container-runtime=remote before it)
  const args = /^KUBELET_KUBEADM_ARGS="(.*)"\n$/.exec(flags)?.[1]?.split(" ") ?? []
  expect(args).toContain(`--container-runtime-endpoint=${criSocketOf(cluster)}`)
  expect(existsSync(path("etc/kubernetes/bootstrap-kubelet.conf")), "bootstrap-kubelet.conf removed").toBe(false)
  // The client certificate: system:node:<name> / system:nodes, signed by the cluster CA (openssl's opinion).
  const subject = execFileSync("openssl", ["x509", "-in", pem, "-noout", "-subject", "-nameopt", "RFC2253"], {
    encoding: "utf8"
  })
  expect(subject.trim()).toBe(`subject=CN=system:node:${nodeName},O=system:nodes`)
  const verify = execFileSync("openssl", ["verify", "-CAfile", path("etc/kubernetes/pki/ca.crt"), pem], {
    encoding: "utf8"
  })
  expect(verify.trim()).toBe(`${pem}: OK`)
  await expectPrivateKeysPrivate(rootfs)
  // kubectl, with the node's own kubeconfig, sees its Node.
  const kubectl = await execAsync("kubectl", ["--kubeconfig", kubeletConf, "get", "node", nodeName, "-o", "name"])
  expect(kubectl.stderr).toBe("")
  expect(kubectl.stdout.trim()).toBe(`node/${nodeName}`)
}

/** Every file holding a PRIVATE KEY under the rootfs is 0600. Returns how many there are. */
export const expectPrivateKeysPrivate = async (rootfs: string): Promise<number> => {
  const keys = await privateKeyFiles(rootfs)
  for (const k of keys) expect((statSync(k).mode & 0o777).toString(8), k).toBe("600")
  return keys.length
}

export const privateKeyFiles = async (dir: string): Promise<Array<string>> => {
  const out: Array<string> = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.name === "proc" || entry.name === "usr") continue
    if (entry.isDirectory()) out.push(...(await privateKeyFiles(p)))
    else if (entry.isFile() && readFileSync(p, "utf8").includes("PRIVATE KEY")) out.push(p)
  }
  return out
}

/** After a failed join: nothing a join would leave (credentials, keys) is there. */
export const expectNothingLeft = async (rootfs: string) => {
  expect(existsSync(join(rootfs, "etc/kubernetes/kubelet.conf")), "kubelet.conf").toBe(false)
  expect(existsSync(join(rootfs, "etc/kubernetes/bootstrap-kubelet.conf")), "bootstrap-kubelet.conf").toBe(false)
  expect(await privateKeyFiles(rootfs)).toEqual([])
}

/**
 * No bootstrap token reached the server before the cluster was verified: every
 * request carrying a credential comes after the last anonymous cluster-info read.
 */
export const expectNoTokenBeforeVerification = (entries: ReadonlyArray<AuditEntry>) => {
  const lastAnonymousInfo = Math.max(
    0,
    ...entries
      .filter((e) => e.path === "/api/v1/namespaces/kube-public/configmaps/cluster-info" && !e.bearerSent)
      .map((e) => e.seq)
  )
  const early = entries.filter((e) => e.bearerSent && e.seq < lastAnonymousInfo)
  expect(early, "requests with a token before verification").toEqual([])
  expect(entries.filter((e) => e.path.endsWith("/cluster-info")).every((e) => !e.bearerSent)).toBe(true)
}

/** A fresh worker machine (extra `files` inside it) with its own containerd, for one test; removed after it. */
export const withMachine = async (test: (rootfs: string) => Promise<unknown>, files: Record<string, string> = {}) => {
  const rootfs = await makeWorkerMachine({ files })
  const containerd = await startContainerd(rootfs)
  try {
    await test(rootfs)
  } finally {
    await containerd.stop()
    await rm(rootfs, { recursive: true, force: true })
  }
}
