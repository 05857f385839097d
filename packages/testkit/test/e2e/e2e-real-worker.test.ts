/**
 * Worker joins against a real cluster (the pinned kubeadm, etcd, kube-apiserver
 * and kube-controller-manager): the built CLI on a node of the test network,
 * the real kubelet doing its TLS bootstrap through the systemctl shim, the
 * real CSR approver and signer issuing its certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RealCluster } from "../../src/real/real-cluster.js"
import { expectJoinSucceeded, expectRealNodeJoined, realTokenJoinArgs, startRealCluster, stopRealCluster, withRealMachine } from "./real-helpers.js"

let cluster: RealCluster
beforeAll(async () => {
  cluster = await startRealCluster()
}, 300_000)
afterAll(() => stopRealCluster(cluster), 60_000)

describe("worker join, real cluster", () => {
  it("token discovery with the CA pin; the real kubelet does the TLS bootstrap", () =>
    withRealMachine(cluster, "worker-kubelet", async ({ root, kubelet, join }) => {
      const r = await join([...realTokenJoinArgs(cluster), "--node-name", "worker-kubelet"])
      expectJoinSucceeded(r)
      expect(r.stdout).toContain("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
      expect(kubelet.isActive()).toBe(true)
      await expectRealNodeJoined(cluster, root, "worker-kubelet")
    }), 300_000)
})
