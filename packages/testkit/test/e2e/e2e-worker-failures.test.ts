/**
 * Worker joins that must fail: each exits non-zero with its own clear message
 * and leaves no kubelet.conf, no bootstrap-kubelet.conf and no private key; for
 * the discovery failures the audit log shows the bootstrap token never reached
 * the server. (No container runtime is needed to fail: these machines run
 * without one and ignore the CRI check; the success tests use a real containerd.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { join } from "node:path"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { type CliResult, expectNothingLeft, runCli } from "./worker-helpers.js"
import { SHARED_PORT } from "../helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.2.2" })
})
afterAll(() => cluster.close())

const NO_CRI = `--ignore-preflight-errors=CRI,${SHARED_PORT}`

/** Runs the join in a fresh machine; returns the result after checking nothing was left behind. */
const failingJoin = async (
  args: (rootfs: string) => ReadonlyArray<string>,
  files: Record<string, string> = {}
): Promise<CliResult> => {
  const rootfs = await makeWorkerMachine({ files })
  try {
    const r = await runCli(args(rootfs))
    expect(r.code, r.stdout + r.stderr).not.toBe(0)
    expect(r.stdout).not.toContain("This node has joined the cluster")
    if (!("etc/kubernetes/kubelet.conf" in files)) await expectNothingLeft(rootfs)
    return r
  } finally {
    await rm(rootfs, { recursive: true, force: true })
  }
}

const token = (rootfs: string, extra: ReadonlyArray<string>, t = cluster.token) => [
  "join",
  cluster.endpoint,
  "--token",
  t,
  "--rootfs",
  rootfs,
  "--node-name",
  "worker-bad",
  NO_CRI,
  ...extra
]

const noTokenSent = () =>
  expect(
    cluster.audit.filter((e) => e.bearerSent),
    "requests carrying a token"
  ).toEqual([])

describe("worker join fails cleanly (built CLI, testkit control plane)", () => {
  it("wrong CA hash: says which hash the cluster really has", async () => {
    cluster.audit.clear()
    const wrong = "sha256:" + "0".repeat(64)
    const r = await failingJoin((rootfs) => token(rootfs, ["--discovery-token-ca-cert-hash", wrong]))
    expect(r.stderr).toContain(
      "error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys"
    )
    expect(r.stderr).toContain(cluster.caCertHash)
    noTokenSent()
  })

  it("a man in the middle serving cluster-info with its own CA (re-signed) fails the pin", async () => {
    cluster.audit.clear()
    const fault = await cluster.tamperClusterInfo({ resign: true })
    try {
      const r = await failingJoin((rootfs) => token(rootfs, ["--discovery-token-ca-cert-hash", cluster.caCertHash]))
      expect(r.stderr).toContain("none of the public keys")
      expect(r.stderr).toContain("are pinned")
      noTokenSent()
    } finally {
      fault.remove()
    }
  })

  it("a cluster-info whose JWS does not match (tampered without the secret) is refused", async () => {
    cluster.audit.clear()
    const fault = await cluster.tamperClusterInfo({ resign: false })
    try {
      const r = await failingJoin((rootfs) => token(rootfs, ["--discovery-token-ca-cert-hash", cluster.caCertHash]))
      expect(r.stderr).toContain(
        "failed to verify JWS signature of received cluster info object, can't trust this API Server"
      )
      noTokenSent()
    } finally {
      fault.remove()
    }
  })

  it("a malformed token is rejected before anything happens", async () => {
    const r = await failingJoin((rootfs) => [
      "join",
      cluster.endpoint,
      "--token",
      "abc",
      "--discovery-token-ca-cert-hash",
      cluster.caCertHash,
      "--rootfs",
      rootfs
    ])
    expect(r.stderr).toContain("the bootstrap token is invalid")
    expect(r.stderr).not.toContain("error execution phase")
  })

  it("a token without a CA hash and without the unsafe flag is refused", async () => {
    const r = await failingJoin((rootfs) => ["join", cluster.endpoint, "--token", cluster.token, "--rootfs", rootfs])
    expect(r.stderr).toContain("using token-based discovery without caCertHashes can be unsafe")
  })

  it("two discovery forms at once are refused", async () => {
    const r = await failingJoin(
      (rootfs) => [
        "join",
        cluster.endpoint,
        "--token",
        cluster.token,
        "--discovery-token-ca-cert-hash",
        cluster.caCertHash,
        "--discovery-file",
        "/srv/d.conf",
        "--rootfs",
        rootfs
      ],
      { "srv/d.conf": cluster.anonymousKubeconfig() }
    )
    expect(r.stderr).toContain("bootstrapToken and file cannot both be set")
  })

  it("an http:// discovery URL is refused", async () => {
    const r = await failingJoin((rootfs) => [
      "join",
      "--discovery-file",
      `http://${cluster.endpoint}/discovery.yaml`,
      "--token",
      cluster.token,
      "--rootfs",
      rootfs
    ])
    expect(r.stderr).toContain("if a URL is used, the scheme must be https")
  })

  it("a Ready Node with the same name already exists", async () => {
    const r = await failingJoin((rootfs) => [
      "join",
      cluster.endpoint,
      "--token",
      cluster.token,
      "--discovery-token-ca-cert-hash",
      cluster.caCertHash,
      "--rootfs",
      rootfs,
      "--node-name",
      "control-plane-1",
      NO_CRI
    ])
    expect(r.stderr).toContain(
      'a Node with name "control-plane-1" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node'
    )
  })

  it("an existing kubelet.conf fails preflight (not ignored) and is left untouched", async () => {
    const existing = "apiVersion: v1\nkind: Config\n# the node's own\n"
    const rootfs = await makeWorkerMachine({ files: { "etc/kubernetes/kubelet.conf": existing } })
    try {
      const r = await runCli(token(rootfs, ["--discovery-token-ca-cert-hash", cluster.caCertHash]))
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain("error execution phase preflight: [preflight] Some fatal errors occurred:")
      expect(r.stderr).toContain(
        "\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists"
      )
      expect(r.stderr).toContain("--ignore-preflight-errors=...")
      expect(readFileSync(join(rootfs, "etc/kubernetes/kubelet.conf"), "utf8")).toBe(existing)
    } finally {
      await rm(rootfs, { recursive: true, force: true })
    }
  })
})

describe.concurrent("tokens without a JWS (each waits out the short grace period)", () => {
  it("missing JWS for a fresh token: says the token is invalid or expired and how to make one", async () => {
    const t = cluster.createToken()
    const fault = cluster.dropJws(t)
    try {
      const r = await failingJoin((rootfs) =>
        token(rootfs, ["--discovery-token-ca-cert-hash", cluster.caCertHash, "--node-name", "worker-nojws"], t)
      )
      expect(r.stderr).toContain(
        `could not find a JWS signature in the cluster-info ConfigMap for token ID "${t.split(".")[0]}"`
      )
      expect(r.stderr).toContain('Use "kubeadm token create"')
      expect(cluster.audit.filter((e) => e.user === `system:bootstrap:${t.split(".")[0]}`)).toEqual([])
    } finally {
      fault.remove()
    }
  })

  it("an expired token", async () => {
    const t = cluster.createToken()
    cluster.expireToken(t)
    const r = await failingJoin((rootfs) =>
      token(rootfs, ["--discovery-token-ca-cert-hash", cluster.caCertHash, "--node-name", "worker-expired"], t)
    )
    expect(r.stderr).toContain("it has expired")
    expect(cluster.audit.filter((e) => e.user === `system:bootstrap:${t.split(".")[0]}`)).toEqual([])
  })
})
