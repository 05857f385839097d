/**
 * The join string end to end (built CLI, testkit control plane): `kubeadm-ts join-string` of
 * the line `kubeadm init` prints, then `kubeadm-ts join <string>` on a fresh machine at
 * --v=5 joins the node and prints no piece of the string nor the token's secret; a damaged
 * string is refused with exit 1 before any request or write; a control-plane string carries
 * the certificate key (download-certs decrypts the cluster's kubeadm-certs with it).
 */
import { readdirSync, readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { defined, SHARED_PORT } from "../helpers.js"
import { expectJoined, runCli, withMachine } from "./worker-helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.17.1", keyAlgorithm: "ecdsa-p256" })
})
afterAll(() => cluster.close())

/** `kubeadm-ts join-string` of a `kubeadm init` join line (without its leading `join`). */
const joinString = async (line: ReadonlyArray<string>): Promise<string> => {
  const r = await runCli(["join-string", ...line.slice(1)])
  expect(r.stderr).toBe("")
  expect(r.code).toBe(0)
  expect(r.stdout).toMatch(/^kts1a[a-z2-7]+\n$/)
  return r.stdout.trim()
}

/** Neither a piece of the string, nor the token's secret, nor the certificate key. */
const expectNoSecret = (output: string, s: string) => {
  for (let at = 4; at + 16 <= s.length; at += 16) expect(output).not.toContain(s.slice(at, at + 16))
  expect(output).not.toContain(defined(cluster.token.split(".")[1], "the token's secret"))
  expect(output).not.toContain(cluster.certificateKey)
}

const files = (dir: string): ReadonlyArray<string> => (readdirSync(dir, { recursive: true }) as string[]).sort()

describe("kubeadm-ts join <join-string> (built CLI, testkit control plane)", () => {
  it("a worker joins through the string alone, and --v=5 shows no piece of it", () =>
    withMachine(async (rootfs) => {
      const s = await joinString(cluster.joinCommands.worker)
      const r = await runCli([
        "join",
        s,
        "--rootfs",
        rootfs,
        "--node-name",
        "worker-join-string",
        `--ignore-preflight-errors=${SHARED_PORT}`,
        "--self-tls-bootstrap",
        "--v=5"
      ])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("This node has joined the cluster:")
      await expectJoined(rootfs, cluster, "worker-join-string")
      expectNoSecret(r.stdout + r.stderr, s)
    }))

  it("a damaged string is refused: exit 1, what is wrong, no request, nothing written", async () => {
    const s = await joinString(cluster.joinCommands.worker)
    const rootfs = await mkdtemp(join(tmpdir(), "kubeadm-ts-join-string-"))
    try {
      const before = files(rootfs)
      cluster.audit.clear()
      const at = 50
      const damaged = s.slice(0, at) + (s.charAt(at) === "q" ? "r" : "q") + s.slice(at + 1)
      const r = await runCli(["join", damaged, "--rootfs", rootfs, "--node-name", "worker-damaged", "--v=10"])
      expect(r.code).toBe(1)
      expect(r.stderr).toBe("damaged join string: its checksum does not match; copy the whole string again\n")
      expect(r.stdout).toBe("")
      expectNoSecret(r.stdout + r.stderr, damaged)
      expect(files(rootfs)).toEqual(before)
      expect(cluster.audit.entries).toEqual([])
    } finally {
      await rm(rootfs, { recursive: true, force: true })
    }
  })

  it("a control-plane string carries the certificate key: download-certs decrypts the cluster's certificates with it", async () => {
    const s = await joinString(cluster.joinCommands.controlPlane)
    expect(s).not.toBe(await joinString(cluster.joinCommands.worker))
    const rootfs = await mkdtemp(join(tmpdir(), "kubeadm-ts-join-string-cp-"))
    try {
      const r = await runCli([
        "join",
        "phase",
        "control-plane-prepare",
        "download-certs",
        s,
        "--rootfs",
        rootfs,
        "--v=5"
      ])
      expect(r.code, r.stderr).toBe(0)
      expect(readFileSync(join(rootfs, "etc/kubernetes/pki/ca.key"), "utf8")).toBe(cluster.pki.ca.keyPem)
      expect(readFileSync(join(rootfs, "etc/kubernetes/pki/sa.key"), "utf8")).toContain("PRIVATE KEY")
      expectNoSecret(r.stdout + r.stderr, s)
    } finally {
      await rm(rootfs, { recursive: true, force: true })
    }
  })
})
