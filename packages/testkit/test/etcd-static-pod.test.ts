/** How the FakeKubelet turns the etcd static Pod into an etcd command line for a node living in a rootfs. */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { etcdPod } from "@kubeadm-ts/join/etcd"
import type { ControlPlaneConfig } from "@kubeadm-ts/join/manifests"
import { etcdCommandFromPod } from "../src/etcd/static-pod.js"

const cfg = (version: string, dataDir = "/var/lib/etcd"): ControlPlaneConfig => ({
  kubernetesVersion: version,
  imageRepository: "k8s.gcr.io",
  useHyperKubeImage: false,
  certificatesDir: "/etc/kubernetes/pki",
  clusterName: "kubernetes",
  controlPlaneEndpoint: "lb:6443",
  networking: { serviceSubnet: "10.96.0.0/12", podSubnet: "", dnsDomain: "cluster.local" },
  apiServer: { extraArgs: {}, extraVolumes: [], certSANs: [] },
  controllerManager: { extraArgs: {}, extraVolumes: [] },
  scheduler: { extraArgs: {}, extraVolumes: [] },
  etcd: { local: { dataDir, extraArgs: {}, serverCertSANs: [], peerCertSANs: [] } },
  featureGates: {},
  keyAlgorithm: "ECDSA-P256",
  nodeName: "cp-2",
  advertiseAddress: "127.9.9.9",
  bindPort: 6443
})

describe("etcd static Pod -> command line", () => {
  it("maps host paths into the rootfs and the node's localhost to its own address", () => {
    const pod = Either.getOrThrow(
      etcdPod(cfg("v1.20.0", "/data/etcd"), [
        { name: "cp-1", peerURL: "https://127.9.9.1:2380" },
        { name: "cp-2", peerURL: "https://127.9.9.9:2380" }
      ])
    )
    const { args, createDirs } = etcdCommandFromPod(pod, "/tmp/node-rootfs", "127.9.9.9")
    expect(args).toContain("--data-dir=/tmp/node-rootfs/data/etcd")
    expect(args).toContain("--cert-file=/tmp/node-rootfs/etc/kubernetes/pki/etcd/server.crt")
    expect(args).toContain("--trusted-ca-file=/tmp/node-rootfs/etc/kubernetes/pki/etcd/ca.crt")
    // 127.0.0.1 becomes the node's address, and the duplicate URL disappears
    expect(args).toContain("--listen-client-urls=https://127.9.9.9:2379")
    expect(args).toContain("--listen-metrics-urls=http://127.9.9.9:2381")
    expect(args).toContain("--initial-cluster=cp-1=https://127.9.9.1:2380,cp-2=https://127.9.9.9:2380")
    expect(createDirs.sort()).toEqual(["/tmp/node-rootfs/data/etcd", "/tmp/node-rootfs/etc/kubernetes/pki/etcd"])
  })

  it("refuses a manifest without an etcd container", () => {
    expect(() => etcdCommandFromPod({ spec: { containers: [{ command: ["sh"] }] } }, "/r", "127.9.9.9")).toThrow(
      /no etcd container/
    )
  })
})
