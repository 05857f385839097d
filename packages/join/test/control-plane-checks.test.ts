import { createServer } from "node:net"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { controlPlaneChecks, gateError, NO_ENDPOINT, numCpu, portFree } from "../src/phases/control-plane-checks.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"

describe("control-plane preflight", () => {
  it("has kubeadm's extra checks, in order (local etcd; external etcd without a key)", () => {
    expect(controlPlaneChecks(sampleConfig()).map((c) => c.name)).toEqual([
      "NumCPU", "Port-6443", "Port-10259", "Port-10257",
      "FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml", "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
      "FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml", "FileAvailable--etc-kubernetes-manifests-etcd.yaml",
      "HTTPProxy", "Port-2379", "Port-2380", "DirAvailable--var-lib-etcd"
    ])
    const external = sampleConfig({ bindPort: 7443, etcd: { external: { endpoints: ["https://10.0.0.5:2379"], caFile: "/etc/etcd/ca.crt", certFile: "/etc/etcd/c.crt", keyFile: "/etc/etcd/c.key" } } })
    const names = controlPlaneChecks(external, { certificateKey: false }).map((c) => c.name)
    expect(names).toContain("Port-7443")
    expect(names).toContain("ExternalEtcdClientCertificates")
    expect(names).not.toContain("Port-2379")
  })

  it("NumCPU and a busy port on the advertise address fail; a free one passes", async () => {
    expect(Effect.runSync(numCpu(1).run).errors).toEqual(["the number of available CPUs 1 is less than the required 2"])
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, "127.0.1.77", () => r()))
    const port = (server.address() as { port: number }).port
    try {
      expect((await Effect.runPromise(portFree("127.0.1.77", port).run)).errors).toEqual([`Port ${port} is in use`])
      expect((await Effect.runPromise(portFree("127.0.1.78", port).run)).errors).toEqual([])
    } finally {
      server.close()
    }
  })

  it("the gate message is kubeadm's block with a clear reason", () => {
    const msg = gateError(NO_ENDPOINT).message
    expect(msg).toContain("One or more conditions for hosting a new control plane instance is not satisfied.")
    expect(msg).toContain("doesn't have a stable controlPlaneEndpoint address")
    expect(msg).toMatch(/Please ensure that:\n\* The cluster has a stable controlPlaneEndpoint address\.\n\* The certificates that must be shared among control plane instances are provided\./)
  })
})
