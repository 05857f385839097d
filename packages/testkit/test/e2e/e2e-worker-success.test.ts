/**
 * Worker joins that succeed, through the built CLI against the testkit control
 * plane, each in a fresh temp rootfs with a real containerd answering the CRI
 * check: token discovery (self TLS bootstrap and FakeKubelet), unsafe skip, a
 * local discovery file and an https:// discovery URL trusted via the rootfs CA bundle.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { createCaCertificate, createCertificate, generateKeyPair, privateKeyToPem } from "@kubeadm-ts/join/crypto"
import { startFakeKubelet } from "../../src/node/fake-kubelet.js"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import {
  criSocketOf,
  expectJoined,
  expectNoTokenBeforeVerification,
  runCli,
  tokenJoinArgs,
  withMachine
} from "./worker-helpers.js"
import { SHARED_PORT } from "../helpers.js"

let cluster: TestCluster
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.2.1" })
})
afterAll(() => cluster.close())

/** A fresh machine with a running containerd; cleaned up afterwards. */

const expectSuccess = (r: { code: number; stdout: string; stderr: string }) => {
  expect(r.stderr + r.stdout).not.toContain("error execution phase")
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain("[preflight] Running pre-flight checks")
  expect(r.stdout).toContain("This node has joined the cluster:")
}

/** How the kubelet's TLS bootstrap happens: in-process, or by the FakeKubelet watching the rootfs. */
type Bootstrap = "self" | "kubelet"

/** Runs the join with the chosen bootstrap and checks every "Done when" outcome. */
const joinAndCheck = async (rootfs: string, bootstrap: Bootstrap, nodeName: string, args: ReadonlyArray<string>) => {
  cluster.audit.clear()
  const kubelet =
    bootstrap === "kubelet" ? startFakeKubelet({ rootfs, hostname: nodeName, csrApiVersion: "v1beta1" }) : undefined
  try {
    const r = await runCli([
      ...args,
      "--rootfs",
      rootfs,
      "--node-name",
      nodeName,
      `--ignore-preflight-errors=${SHARED_PORT}`,
      ...(bootstrap === "self" ? ["--self-tls-bootstrap"] : [])
    ])
    expectSuccess(r)
    expect(r.stderr).not.toContain("[WARNING CRI]")
    if (bootstrap === "kubelet")
      expect(r.stdout).toContain("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...")
    await expectJoined(rootfs, cluster, nodeName)
    expectNoTokenBeforeVerification(cluster.audit.entries)
    const node = cluster.get("nodes", undefined, nodeName) as { metadata: { annotations?: Record<string, string> } }
    expect(node.metadata.annotations?.["kubeadm.alpha.kubernetes.io/cri-socket"]).toBe(criSocketOf(cluster))
    return r
  } finally {
    await kubelet?.stop()
  }
}

describe.each<Bootstrap>(["self", "kubelet"])(
  "worker join succeeds (built CLI, testkit control plane, TLS bootstrap: %s)",
  (bootstrap) => {
    it("token discovery", () =>
      withMachine((rootfs) => joinAndCheck(rootfs, bootstrap, `worker-token-${bootstrap}`, tokenJoinArgs(cluster))))

    it("--discovery-token-unsafe-skip-ca-verification (warned about)", () =>
      withMachine(async (rootfs) => {
        const r = await joinAndCheck(rootfs, bootstrap, `worker-unsafe-${bootstrap}`, [
          "join",
          cluster.endpoint,
          "--token",
          cluster.token,
          "--discovery-token-unsafe-skip-ca-verification"
        ])
        expect(r.stderr).toContain("unsafe-skip-ca-verification")
      }))

    it("--discovery-file with a local kubeconfig inside the rootfs", () =>
      withMachine(
        (rootfs) =>
          joinAndCheck(rootfs, bootstrap, `worker-file-${bootstrap}`, [
            "join",
            "--discovery-file",
            "/srv/discovery.conf",
            "--token",
            cluster.token
          ]),
        { "srv/discovery.conf": cluster.anonymousKubeconfig() }
      ))

    it("--discovery-file https:// URL trusted through the rootfs CA bundle", async () => {
      // A web server with its own CA (not the cluster's): only the rootfs bundle makes it trusted.
      const webCaKeys = await generateKeyPair("ecdsa-p256")
      const webCa = await createCaCertificate(webCaKeys, { commonName: "web-ca" })
      const serverKeys = await generateKeyPair("ecdsa-p256")
      const cert = await createCertificate(
        serverKeys.publicKey,
        { commonName: "web", ipAddresses: ["127.0.2.1"], extKeyUsages: ["server"] },
        { certPem: webCa, keys: webCaKeys }
      )
      const discovery = cluster.anonymousKubeconfig()
      const web = https.createServer({ cert, key: await privateKeyToPem(serverKeys.privateKey) }, (req, res) => {
        if (req.url === "/discovery.yaml") res.end(discovery)
        else res.writeHead(404).end()
      })
      await new Promise<void>((r) => web.listen(0, "127.0.2.1", r))
      const url = `https://127.0.2.1:${(web.address() as AddressInfo).port}/discovery.yaml`
      try {
        await withMachine(
          (rootfs) =>
            joinAndCheck(rootfs, bootstrap, `worker-url-${bootstrap}`, [
              "join",
              "--discovery-file",
              url,
              "--token",
              cluster.token
            ]),
          { "etc/ssl/certs/ca-certificates.crt": webCa }
        )
      } finally {
        web.closeAllConnections()
        await new Promise((r) => web.close(r))
      }
    })
  }
)
