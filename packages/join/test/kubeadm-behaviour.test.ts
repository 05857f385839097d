import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import {
  behaviourForMinor,
  behaviourForVersion,
  CONTROL_PLANE_LABEL,
  EXCLUDE_LB_LABEL,
  kubeadmBehaviour,
  type KubeadmBehaviour,
  MASTER_LABEL,
  minorOf
} from "../src/kubeadm-behaviour.js"
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

/** Every minor from 1.15 (the reference) to 1.37 (the pinned real cluster). */
const MINORS = Array.from({ length: 23 }, (_, i) => 15 + i)
/** The minors of `range` (inclusive) among MINORS. */
const from = (lo: number, hi = 37) => MINORS.filter((m) => m >= lo && m <= hi)
/** For each minor 1.15-1.37, the field's value. */
const table = <K extends keyof KubeadmBehaviour>(field: K) =>
  Object.fromEntries(MINORS.map((m) => [m, behaviourForVersion(`v1.${String(m)}.3`)[field]]))
/** The minors for which `field` is true. */
const on = (field: keyof KubeadmBehaviour) => MINORS.filter((m) => behaviourForMinor(m)[field] === true)

describe("kubeadm behaviour by cluster version, 1.15 ... 1.37", () => {
  it("parses the minor; an unparsable version is the reference 1.15", () => {
    expect(minorOf("v1.37.2")).toBe(37)
    expect(minorOf("1.24.0-rc.1")).toBe(24)
    expect(minorOf("latest")).toBe(15)
    expect(behaviourForVersion("junk")).toEqual(behaviourForMinor(15))
    for (const m of MINORS) expect(behaviourForVersion(`v1.${String(m)}.0`)).toEqual(behaviourForMinor(m))
  })

  it("the gated behaviours without gates: defaults of each release", () => {
    expect(on("nodeLocalCriSocket")).toEqual(from(34))
    expect(on("etcdLearnerMode")).toEqual(from(29))
    expect(on("controlPlaneKubeletLocalMode")).toEqual(from(33))
    expect(on("waitForAllControlPlaneComponents")).toEqual(from(33))
    expect(on("updateStatusPhase")).toEqual(from(15, 30))
  })

  it("CSR API: certificates.k8s.io/v1beta1 up to 1.18, v1 from 1.19", () => {
    const t = table("csrApiVersion")
    for (const m of from(15, 18)) expect(t[m]).toBe("v1beta1")
    for (const m of from(19)) expect(t[m]).toBe("v1")
  })

  it("kubelet ConfigMap: kubelet-config-1.<minor> first up to 1.23, kubelet-config first from 1.24", () => {
    expect(behaviourForMinor(15).kubeletConfigMaps).toEqual(["kubelet-config-1.15", "kubelet-config"])
    expect(behaviourForMinor(23).kubeletConfigMaps).toEqual(["kubelet-config-1.23", "kubelet-config"])
    expect(behaviourForMinor(24).kubeletConfigMaps).toEqual(["kubelet-config", "kubelet-config-1.24"])
    expect(behaviourForMinor(37).kubeletConfigMaps).toEqual(["kubelet-config", "kubelet-config-1.37"])
    for (const m of MINORS) expect(behaviourForMinor(m).kubeletConfigMaps).toContain(`kubelet-config-1.${String(m)}`)
  })

  it("CRI: --container-runtime=remote up to 1.23; the socket as a unix:// URL from 1.24", () => {
    expect(on("containerRuntimeRemoteFlag")).toEqual(from(15, 23))
    expect(on("criSocketAsUrl")).toEqual(from(24))
  })

  it("control-plane labels and default taint", () => {
    const labels = table("controlPlaneLabels")
    for (const m of from(15, 19)) expect(labels[m]).toEqual([MASTER_LABEL])
    expect(labels[20]).toEqual([MASTER_LABEL, CONTROL_PLANE_LABEL])
    for (const m of from(21, 23)) expect(labels[m]).toEqual([MASTER_LABEL, CONTROL_PLANE_LABEL, EXCLUDE_LB_LABEL])
    for (const m of from(24)) expect(labels[m]).toEqual([CONTROL_PLANE_LABEL, EXCLUDE_LB_LABEL])
    const taint = table("controlPlaneTaint")
    for (const m of from(15, 23)) expect(taint[m]).toEqual({ key: MASTER_LABEL, effect: "NoSchedule" })
    for (const m of from(24)) expect(taint[m]).toEqual({ key: CONTROL_PLANE_LABEL, effect: "NoSchedule" })
  })

  it("wordings: master up to 1.19, lower-case upload-config in 1.15 only", () => {
    expect(on("masterWording")).toEqual(from(15, 19))
    expect(on("lowerCaseUploadConfig")).toEqual([15])
  })

  it("control-plane files: certificate modes, kubeconfigs, admin group, image repository", () => {
    expect(on("certificatesWorldReadable")).toEqual(from(22))
    expect(on("localComponentKubeconfigs")).toEqual(from(20))
    const admin = table("adminOrganization")
    for (const m of from(15, 28)) expect(admin[m]).toBe("system:masters")
    for (const m of from(29)) expect(admin[m]).toBe("kubeadm:cluster-admins")
    const repo = table("defaultImageRepository")
    for (const m of from(15, 24)) expect(repo[m]).toBe("k8s.gcr.io")
    for (const m of from(25)) expect(repo[m]).toBe("registry.k8s.io")
  })

  it("static Pods: etcd tag, probes, annotations, priority, flags by release", () => {
    const etcd = table("etcdImageTag")
    expect([etcd[15], etcd[16], etcd[17], etcd[19], etcd[22], etcd[30], etcd[31], etcd[37]]).toEqual([
      "3.3.10",
      "3.3.15-0",
      "3.4.3-0",
      "3.4.13-0",
      "3.5.0-0",
      "3.5.12-0",
      "3.5.15-0",
      "3.7.0-0"
    ])
    expect(on("etcdMetricsProbe")).toEqual(from(16))
    expect(on("componentFlags116")).toEqual(from(16))
    expect(on("flexvolumeMountAlways")).toEqual([15])
    expect(on("advertiseAnnotations")).toEqual(from(18))
    expect(on("secureComponentProbes")).toEqual(from(19))
    expect(on("controllerManagerClusterName")).toEqual(from(19))
    expect(on("apiServer120")).toEqual(from(20))
    const priority = table("priorityClassName")
    for (const m of from(15, 18)) expect(priority[m]).toBe("system-cluster-critical")
    for (const m of from(19)) expect(priority[m]).toBe("system-node-critical")
  })
})

/** Where the version facts must not leak back: the phases and what the control-plane phases share. */
const GUARDED = ["phases", "control-plane"]
const SRC = fileURLToPath(new URL("../src/", import.meta.url))
/** A minor compared with a number, or a minor computed from a version string. */
const VERSION_TEST =
  /\bminor\w*\s*(?:<=?|>=?|===?|!==?)\s*\d|\d\s*(?:<=?|>=?|===?|!==?)\s*[\w.]*minor\b|\b(?:minorOf|kubernetesMinor)\s*\(|v\?\\d\+\\\.|\\d\+\\\.\(\\d\+\)/i

describe("version decisions stay in kubeadm-behaviour.ts", () => {
  it("no module under phases/ or control-plane/ compares a minor version or parses a version", () => {
    const offenders: string[] = []
    for (const dir of GUARDED)
      for (const name of readdirSync(join(SRC, dir))) {
        if (!name.endsWith(".ts")) continue
        readFileSync(join(SRC, dir, name), "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (VERSION_TEST.test(line)) offenders.push(`${dir}/${name}:${String(i + 1)}: ${line.trim()}`)
          })
      }
    expect(offenders).toEqual([])
  })

  it("the check catches what it is meant to", () => {
    expect(VERSION_TEST.test("  if (minor < 20)")).toBe(true)
    expect(VERSION_TEST.test("const labels = 24 <= cfg.minor")).toBe(true)
    expect(VERSION_TEST.test("kubernetesMinor(cfg.kubernetesVersion) >= 22")).toBe(true)
    expect(VERSION_TEST.test("const m = /^v?\\d+\\.(\\d+)/.exec(version)")).toBe(true)
    expect(VERSION_TEST.test("if (behaviour.masterWording)")).toBe(false)
  })
})
