import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import type { ClusterConfiguration } from "../src/discovery/join-data.js"
import { kubeadmBehaviour } from "../src/kubeadm-behaviour.js"
import { instanceConfig, kubeletFlags, withInstanceConfig } from "../src/kubelet/files.js"

const cluster = (kubernetesVersion: string, featureGates?: Record<string, boolean>): ClusterConfiguration => ({
  raw: "",
  document: featureGates ? { featureGates } : {},
  kubernetesVersion,
  clusterName: "kubernetes",
  imageRepository: "registry.k8s.io",
  controlPlaneEndpoint: ""
})

describe("kubeadm behaviour by cluster version", () => {
  it("NodeLocalCRISocket: on from 1.34 unless the cluster's gate turns it off; locked on from 1.36", () => {
    expect(kubeadmBehaviour(cluster("v1.33.4")).nodeLocalCriSocket).toBe(false)
    expect(kubeadmBehaviour(cluster("v1.34.0")).nodeLocalCriSocket).toBe(true)
    expect(kubeadmBehaviour(cluster("v1.35.1", { NodeLocalCRISocket: false })).nodeLocalCriSocket).toBe(false)
    expect(kubeadmBehaviour(cluster("v1.36.0", { NodeLocalCRISocket: false })).nodeLocalCriSocket).toBe(true)
    expect(kubeadmBehaviour(cluster("v1.15.12")).minor).toBe(15)
  })

  it("EtcdLearnerMode: opt-in from 1.27, on by default from 1.29, locked on from 1.32", () => {
    expect(kubeadmBehaviour(cluster("v1.26.0", { EtcdLearnerMode: true })).etcdLearnerMode).toBe(false)
    expect(kubeadmBehaviour(cluster("v1.27.3")).etcdLearnerMode).toBe(false)
    expect(kubeadmBehaviour(cluster("v1.28.0", { EtcdLearnerMode: true })).etcdLearnerMode).toBe(true)
    expect(kubeadmBehaviour(cluster("v1.29.0")).etcdLearnerMode).toBe(true)
    expect(kubeadmBehaviour(cluster("v1.30.2", { EtcdLearnerMode: false })).etcdLearnerMode).toBe(false)
    expect(kubeadmBehaviour(cluster("v1.32.0", { EtcdLearnerMode: false })).etcdLearnerMode).toBe(true)
  })

  it("instance-config.yaml holds the socket; config.yaml gets it merged, keys sorted; the flags file drops it", () => {
    const socket = "unix:///var/run/containerd/containerd.sock"
    expect(instanceConfig(socket)).toBe(`containerRuntimeEndpoint: "${socket}"\n`)
    const merged = withInstanceConfig("kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\ncgroupDriver: cgroupfs\n", socket)
    expect(parse(merged)).toEqual({ apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", cgroupDriver: "cgroupfs", containerRuntimeEndpoint: socket })
    expect(merged.split("\n")[0]).toBe("apiVersion: kubelet.config.k8s.io/v1beta1")
    const inputs = { nodeName: "n", hostname: "n", registerTaints: [], kubeletExtraArgs: {}, kubernetesMinor: 37, systemdResolvedRunning: false }
    expect(kubeletFlags({ ...inputs, criSocket: undefined })).not.toHaveProperty("container-runtime-endpoint")
    expect(kubeletFlags({ ...inputs, criSocket: socket })["container-runtime-endpoint"]).toBe(socket)
  })
})
