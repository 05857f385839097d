/**
 * Worker joins against a real cluster (the pinned kubeadm, etcd, kube-apiserver
 * and kube-controller-manager): the built CLI on a node of the test network,
 * the real kubelet doing its TLS bootstrap through the systemctl shim, the
 * real CSR approver and signer issuing its certificate, the real bootstrap
 * signer and token cleaner behind discovery. Refusals exit non-zero with their
 * own message and leave no credential behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { createCaCertificate, createCertificate, generateKeyPair, privateKeyToPem } from "@kubeadm-ts/join/crypto"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import { waitFor } from "../../src/wait.js"
import { expectNothingLeft } from "./worker-helpers.js"
import {
  expectJoinSucceeded,
  expectRealNodeJoined,
  realTokenJoinArgs,
  startRealCluster,
  stopRealCluster,
  withRealMachine
} from "./real-helpers.js"

let cluster: RealClusterService
beforeAll(async () => {
  cluster = await startRealCluster()
}, 300_000)
afterAll(() => stopRealCluster(cluster), 60_000)

const clusterInfoKubeconfig = async () => {
  const r = await cluster.kubectl([
    "-n",
    "kube-public",
    "get",
    "cm",
    "cluster-info",
    "-o",
    "jsonpath={.data.kubeconfig}"
  ])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

describe.concurrent("worker join, real cluster (each on its own node, side by side)", () => {
  it(
    "token discovery with the CA pin; the real kubelet does the TLS bootstrap",
    () =>
      withRealMachine(cluster, "worker-kubelet", async ({ root, kubelet, join }) => {
        const r = await join([...realTokenJoinArgs(cluster), "--node-name", "worker-kubelet"])
        expectJoinSucceeded(r)
        expect(r.stdout).toContain("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
        // current kubeadm's kubelet-wait-bootstrap (1.33+): the kubelet's /healthz first, after kubelet-start
        const healthy = r.stdout.indexOf("[kubelet-check] The kubelet is healthy after ")
        expect(healthy).toBeGreaterThan(
          r.stdout.indexOf(
            '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"'
          )
        )
        expect(healthy).toBeLessThan(
          r.stdout.indexOf("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
        )
        expect(kubelet.isActive()).toBe(true)
        await expectRealNodeJoined(cluster, root, "worker-kubelet")
      }),
    300_000
  )

  it(
    "--self-tls-bootstrap: the CSR from kubeadm-ts, approved and signed by the real controllers",
    () =>
      withRealMachine(cluster, "worker-self", async ({ root, join }) => {
        const r = await join([...realTokenJoinArgs(cluster), "--node-name", "worker-self", "--self-tls-bootstrap"])
        expectJoinSucceeded(r)
        expect(r.stdout).toContain("Performing the kubelet's TLS Bootstrap in-process")
        await expectRealNodeJoined(cluster, root, "worker-self")
      }),
    300_000
  )

  it(
    "--discovery-token-unsafe-skip-ca-verification",
    () =>
      withRealMachine(cluster, "worker-unpinned", async ({ root, join }) => {
        const r = await join([
          "join",
          cluster.endpoint,
          "--token",
          cluster.token,
          "--discovery-token-unsafe-skip-ca-verification",
          "--node-name",
          "worker-unpinned"
        ])
        expectJoinSucceeded(r)
        await expectRealNodeJoined(cluster, root, "worker-unpinned")
      }),
    300_000
  )

  it(
    "--config with a v1beta4 JoinConfiguration (timeouts, kubeletExtraArgs as a list)",
    () =>
      withRealMachine(
        cluster,
        "worker-v1beta4",
        async ({ root, join }) => {
          const r = await join(["join", "--config", "/srv/join.yaml"])
          expectJoinSucceeded(r)
          expect(r.stderr).not.toContain("WARNING: error unmarshaling configuration")
          await expectRealNodeJoined(cluster, root, "worker-v1beta4")
          const labels = await cluster.kubectl(["get", "node", "worker-v1beta4", "-o", "jsonpath={.metadata.labels}"])
          expect(labels.stdout).toContain('"config-version":"v1beta4"')
        },
        {
          "srv/join.yaml": [
            "apiVersion: kubeadm.k8s.io/v1beta4",
            "kind: JoinConfiguration",
            "discovery:",
            "  bootstrapToken:",
            `    apiServerEndpoint: "${cluster.endpoint}"`,
            `    token: ${cluster.token}`,
            `    caCertHashes: ["${cluster.caCertHash}"]`,
            "nodeRegistration:",
            "  name: worker-v1beta4",
            "  imagePullPolicy: IfNotPresent",
            "  kubeletExtraArgs:",
            "  - {name: node-labels, value: config-version=v1beta4}",
            "timeouts:",
            "  discovery: 2m0s",
            "  kubeletHealthCheck: 3m0s",
            "  tlsBootstrap: 3m0s",
            ""
          ].join("\n")
        }
      ),
    300_000
  )

  it("--discovery-file: the real cluster-info kubeconfig, local", async () => {
    const discovery = await clusterInfoKubeconfig()
    await withRealMachine(
      cluster,
      "worker-file",
      async ({ root, join }) => {
        const r = await join([
          "join",
          "--discovery-file",
          "/srv/discovery.conf",
          "--token",
          cluster.token,
          "--node-name",
          "worker-file"
        ])
        expectJoinSucceeded(r)
        await expectRealNodeJoined(cluster, root, "worker-file")
      },
      { "srv/discovery.conf": discovery }
    )
  }, 300_000)

  it("--discovery-file https://, served from the host with a CA the node trusts", async () => {
    const discovery = await clusterInfoKubeconfig()
    const caKeys = await generateKeyPair("ecdsa-p256")
    const webCa = await createCaCertificate(caKeys, { commonName: "web-ca" })
    const serverKeys = await generateKeyPair("ecdsa-p256")
    const host = cluster.network.gateway
    const cert = await createCertificate(
      serverKeys.publicKey,
      { commonName: "web", ipAddresses: [host], extKeyUsages: ["server"] },
      { certPem: webCa, keys: caKeys }
    )
    const web = https.createServer({ cert, key: await privateKeyToPem(serverKeys.privateKey) }, (req, res) => {
      if (req.url === "/discovery.yaml") res.end(discovery)
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => web.listen(0, host, r))
    try {
      const url = `https://${host}:${(web.address() as AddressInfo).port}/discovery.yaml`
      await withRealMachine(
        cluster,
        "worker-url",
        async ({ root, join }) => {
          const r = await join(["join", "--discovery-file", url, "--token", cluster.token, "--node-name", "worker-url"])
          expectJoinSucceeded(r)
          await expectRealNodeJoined(cluster, root, "worker-url")
        },
        { "etc/ssl/certs/ca-certificates.crt": webCa }
      )
    } finally {
      web.closeAllConnections()
      await new Promise((r) => web.close(r))
    }
  }, 300_000)
})

describe.concurrent("worker join refused by a real cluster", () => {
  /** A join that must fail: non-zero, no joined banner, no credential or key left, no Node. */
  const refused = (name: string, args: ReadonlyArray<string>) =>
    new Promise<string>((resolve, reject) => {
      withRealMachine(cluster, name, async ({ root, join }) => {
        const r = await join([...args, "--node-name", name])
        expect(r.code, r.stdout + r.stderr).not.toBe(0)
        expect(r.stdout).not.toContain("This node has joined the cluster")
        await expectNothingLeft(root)
        const node = await cluster.kubectl(["get", "node", name])
        expect(node.stderr).toContain("NotFound")
        resolve(r.stderr)
      }).catch(reject)
    })

  it("a wrong CA pin: names the hash the cluster has", async () => {
    const stderr = await refused("bad-pin", realTokenJoinArgs(cluster, cluster.token, "sha256:" + "0".repeat(64)))
    expect(stderr).toContain("none of the public keys")
    expect(stderr).toContain(cluster.caCertHash)
  }, 120_000)

  it("a token the cluster does not know: no JWS for its ID", async () => {
    const stderr = await refused("bad-token", realTokenJoinArgs(cluster, "abcdef.0123456789abcdef"))
    expect(stderr).toContain('could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"')
  }, 120_000)

  it("a token the real token cleaner deleted once it expired", async () => {
    const created = await cluster.kubeadm([
      "token",
      "create",
      "--ttl",
      "1s",
      "--kubeconfig",
      "/etc/kubernetes/admin.conf"
    ])
    expect(created.code, created.stderr).toBe(0)
    const token = created.stdout.trim()
    const id = token.split(".")[0] ?? ""
    await waitFor(
      async () =>
        (await cluster.kubectl(["-n", "kube-system", "get", "secret", `bootstrap-token-${id}`])).stderr.includes(
          "NotFound"
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: "the token cleaner to delete the expired token"
      }
    )
    const stderr = await refused("deleted-token", realTokenJoinArgs(cluster, token))
    expect(stderr).toContain(`could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}"`)
  }, 180_000)
})
