import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { kubeadmBehaviour } from "../src/kubeadm-behaviour.js"
import { clusterConfiguration } from "./fixtures/config.js"
import { instanceConfig, kubeletFlags, withInstanceConfig } from "../src/kubelet/files.js"

describe("kubeadm behaviour by cluster version", () => {
  it("NodeLocalCRISocket: on from 1.34 unless the cluster's gate turns it off; locked on from 1.36", () => {
    expect(kubeadmBehaviour(clusterConfiguration("v1.33.4")).nodeLocalCriSocket).toBe(false)
    expect(kubeadmBehaviour(clusterConfiguration("v1.34.0")).nodeLocalCriSocket).toBe(true)
    expect(kubeadmBehaviour(clusterConfiguration("v1.35.1", { NodeLocalCRISocket: false })).nodeLocalCriSocket).toBe(
      false
    )
    expect(kubeadmBehaviour(clusterConfiguration("v1.36.0", { NodeLocalCRISocket: false })).nodeLocalCriSocket).toBe(
      true
    )
    expect(kubeadmBehaviour(clusterConfiguration("v1.15.12")).minor).toBe(15)
  })

  it("EtcdLearnerMode: opt-in from 1.27, on by default from 1.29, locked on from 1.32", () => {
    expect(kubeadmBehaviour(clusterConfiguration("v1.26.0", { EtcdLearnerMode: true })).etcdLearnerMode).toBe(false)
    expect(kubeadmBehaviour(clusterConfiguration("v1.27.3")).etcdLearnerMode).toBe(false)
    expect(kubeadmBehaviour(clusterConfiguration("v1.28.0", { EtcdLearnerMode: true })).etcdLearnerMode).toBe(true)
    expect(kubeadmBehaviour(clusterConfiguration("v1.29.0")).etcdLearnerMode).toBe(true)
    expect(kubeadmBehaviour(clusterConfiguration("v1.30.2", { EtcdLearnerMode: false })).etcdLearnerMode).toBe(false)
    expect(kubeadmBehaviour(clusterConfiguration("v1.32.0", { EtcdLearnerMode: false })).etcdLearnerMode).toBe(true)
  })

  it("ControlPlaneKubeletLocalMode (the etcd-join / kubelet-wait-bootstrap order): opt-in 1.31-1.32, on by default 1.33-1.34, locked on from 1.35", () => {
    const mode = (v: string, gates?: Record<string, boolean>) =>
      kubeadmBehaviour(clusterConfiguration(v, gates)).controlPlaneKubeletLocalMode
    expect(mode("v1.15.12")).toBe(false)
    expect(mode("v1.30.4", { ControlPlaneKubeletLocalMode: true })).toBe(false)
    expect(mode("v1.31.0")).toBe(false)
    expect(mode("v1.32.3", { ControlPlaneKubeletLocalMode: true })).toBe(true)
    expect(mode("v1.33.0")).toBe(true)
    expect(mode("v1.34.1", { ControlPlaneKubeletLocalMode: false })).toBe(false)
    expect(mode("v1.35.0", { ControlPlaneKubeletLocalMode: false })).toBe(true)
    expect(mode("v1.37.2")).toBe(true)
  })

  it("WaitForAllControlPlaneComponents (wait-control-plane): opt-in 1.30-1.32, on by default 1.33, locked on from 1.34", () => {
    const wait = (v: string, gates?: Record<string, boolean>) =>
      kubeadmBehaviour(clusterConfiguration(v, gates)).waitForAllControlPlaneComponents
    expect(wait("v1.29.9", { WaitForAllControlPlaneComponents: true })).toBe(false)
    expect(wait("v1.30.0")).toBe(false)
    expect(wait("v1.30.0", { WaitForAllControlPlaneComponents: true })).toBe(true)
    expect(wait("v1.33.2")).toBe(true)
    expect(wait("v1.33.2", { WaitForAllControlPlaneComponents: false })).toBe(false)
    expect(wait("v1.34.0", { WaitForAllControlPlaneComponents: false })).toBe(true)
  })

  it("update-status exists up to 1.30 (removed in 1.31)", () => {
    expect(kubeadmBehaviour(clusterConfiguration("v1.15.12")).updateStatusPhase).toBe(true)
    expect(kubeadmBehaviour(clusterConfiguration("v1.30.9")).updateStatusPhase).toBe(true)
    expect(kubeadmBehaviour(clusterConfiguration("v1.31.0")).updateStatusPhase).toBe(false)
  })

  it("instance-config.yaml holds the socket; config.yaml gets it merged, keys sorted; the flags file drops it", () => {
    const socket = "unix:///var/run/containerd/containerd.sock"
    expect(instanceConfig(socket)).toBe(`containerRuntimeEndpoint: "${socket}"\n`)
    const merged = withInstanceConfig(
      "kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\ncgroupDriver: cgroupfs\n",
      socket
    )
    expect(parse(merged)).toEqual({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      cgroupDriver: "cgroupfs",
      containerRuntimeEndpoint: socket
    })
    expect(merged.split("\n")[0]).toBe("apiVersion: kubelet.config.k8s.io/v1beta1")
    const inputs = {
      nodeName: "n",
      hostname: "n",
      registerTaints: [],
      kubeletExtraArgs: {},
      kubernetesMinor: 37,
      systemdResolvedRunning: false
    }
    expect(kubeletFlags({ ...inputs, criSocket: undefined })).not.toHaveProperty("container-runtime-endpoint")
    expect(kubeletFlags({ ...inputs, criSocket: socket })["container-runtime-endpoint"]).toBe(socket)
  })
})
