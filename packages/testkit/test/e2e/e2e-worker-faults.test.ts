/**
 * A worker join under server faults (500s on cluster-info, a 429 on CSR
 * creation) still succeeds; and at the highest verbosity no output line carries
 * a secret (token secret, private keys, the certificate key), on success or failure.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync, realpathSync } from "node:fs"
import { rm } from "node:fs/promises"
import { join } from "node:path"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { expectJoined, runCli, tokenJoinArgs, withMachine } from "./worker-helpers.js"
import { defined, SHARED_PORT } from "../helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.2.3" })
})
afterAll(() => cluster.close())

/** The base64 body lines of every PEM block of a type in `pem`. */
const pemBodyLines = (pem: string, type: RegExp) =>
  [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----\n([\s\S]*?)-----END/g)]
    .filter((m) => type.test(m[1] ?? ""))
    .flatMap((m) => (m[2] ?? "").split("\n").filter((l) => l.length >= 16))

describe("worker join under faults", () => {
  it("succeeds with two 500s on the cluster-info GET and a 429 on the CSR creation", () =>
    withMachine(async (rootfs) => {
      const info = cluster.faults.failNext(
        { method: "GET", path: "/api/v1/namespaces/kube-public/configmaps/cluster-info" },
        2,
        500
      )
      const csr = cluster.faults.failNext({ method: "POST", path: /certificatesigningrequests$/ }, 1, 429, {
        retryAfterSeconds: 1
      })
      const r = await runCli([
        ...tokenJoinArgs(cluster),
        "--rootfs",
        rootfs,
        "--node-name",
        "worker-faults",
        "--self-tls-bootstrap",
        `--ignore-preflight-errors=${SHARED_PORT}`
      ])
      expect(r.code, r.stderr).toBe(0)
      expect(info.hits()).toBe(2)
      expect(csr.hits()).toBe(1)
      await expectJoined(rootfs, cluster, "worker-faults")
    }))
})

describe("no secret in any output line at --v=10", () => {
  it("a successful join prints neither the token secret nor any key", () =>
    withMachine(async (rootfs) => {
      const r = await runCli([
        ...tokenJoinArgs(cluster),
        "--rootfs",
        rootfs,
        "--node-name",
        "worker-verbose",
        "--self-tls-bootstrap",
        `--ignore-preflight-errors=${SHARED_PORT}`,
        "--v=10"
      ])
      expect(r.code, r.stderr).toBe(0)
      const all = r.stdout + r.stderr
      expect(all.split("\n").length).toBeGreaterThan(20) // the verbose detail really is there
      const secret = defined(cluster.token.split(".")[1], "the token's secret")
      expect(all).not.toContain(secret)
      expect(all).not.toContain("PRIVATE KEY")
      expect(all).not.toContain(cluster.certificateKey)
      const keyPem = readFileSync(realpathSync(join(rootfs, "var/lib/kubelet/pki/kubelet-client-current.pem")), "utf8")
      for (const line of pemBodyLines(keyPem, /PRIVATE KEY/)) expect(all).not.toContain(line)
      for (const line of pemBodyLines(cluster.admin.keyPem, /PRIVATE KEY/)) expect(all).not.toContain(line)
    }))

  it("a failing join (wrong token secret) does not print it either", async () => {
    const rootfs = await makeWorkerMachine()
    try {
      const wrong = `${cluster.token.split(".")[0]}.zzzzzzzzzzzzzzzz`
      const r = await runCli([
        ...tokenJoinArgs(cluster, wrong),
        "--rootfs",
        rootfs,
        "--node-name",
        "worker-verbose-bad",
        `--ignore-preflight-errors=CRI,${SHARED_PORT}`,
        "--v=10"
      ])
      expect(r.code).not.toBe(0)
      const all = r.stdout + r.stderr
      expect(all).toContain("failed to verify JWS signature")
      expect(all).not.toContain("zzzzzzzzzzzzzzzz")
      expect(all).not.toContain(defined(cluster.token.split(".")[1], "the token's secret"))
    } finally {
      await rm(rootfs, { recursive: true, force: true })
    }
  })
})
