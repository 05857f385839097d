/**
 * Joins driven by a JoinConfiguration file of the versions current kubeadm reads (v1beta3,
 * v1beta4), through the built CLI against one testkit control plane (v1.28, real etcd): each
 * version joins a worker and a control plane. The flags left beside `--config` are only those
 * kubeadm allows with it (rootfs, node-name, ignore-preflight-errors, and our self-tls-bootstrap).
 */
import { readFile, rm, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { startContainerd } from "../../src/node/containerd.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { SHARED_PORT } from "../helpers.js"
import { controlPlaneMachine, etcdMembers, runCli, useClusterWithEtcd } from "./control-plane-helpers.js"
import { expectJoined } from "./worker-helpers.js"

const VERSION = "v1.28.4"
type ConfigVersion = "v1beta3" | "v1beta4"

/** kubeletExtraArgs: a map in v1beta3, a name/value list in v1beta4. */
const extraArgs = (version: ConfigVersion, args: Record<string, string>) =>
  version === "v1beta4"
    ? `[${Object.entries(args)
        .map(([name, value]) => `{name: ${name}, value: "${value}"}`)
        .join(", ")}]`
    : `{${Object.entries(args)
        .map(([name, value]) => `${name}: "${value}"`)
        .join(", ")}}`

describe("join --config v1beta3 / v1beta4 (built CLI, testkit control plane v1.28, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: VERSION, configApiVersion: "v1beta3" })

  /** The JoinConfiguration text for this cluster; `controlPlane` makes it a control-plane join. */
  const joinConfiguration = (
    version: ConfigVersion,
    nodeName: string,
    controlPlane?: { advertiseAddress: string }
  ): string => {
    const c = cp.cluster
    const lines = [
      `apiVersion: kubeadm.k8s.io/${version}`,
      "kind: JoinConfiguration",
      "discovery:",
      "  bootstrapToken:",
      `    apiServerEndpoint: "${c.endpoint}"`,
      `    token: ${c.token}`,
      `    caCertHashes: ["${c.caCertHash}"]`,
      ...(version === "v1beta3" ? ["  timeout: 2m0s", "  tlsBootstrapToken: " + c.token] : []),
      "nodeRegistration:",
      `  name: ${nodeName}`,
      `  kubeletExtraArgs: ${extraArgs(version, { "node-labels": `config-version=${version}` })}`,
      ...(version === "v1beta4" ? ["  imagePullPolicy: IfNotPresent", "  imagePullSerial: true"] : []),
      ...(version === "v1beta4" ? ["timeouts:", "  discovery: 2m0s", "  tlsBootstrap: 2m0s"] : []),
      ...(controlPlane
        ? [
            "controlPlane:",
            "  localAPIEndpoint:",
            `    advertiseAddress: ${controlPlane.advertiseAddress}`,
            "    bindPort: 6443",
            `  certificateKey: "${c.certificateKey}"`
          ]
        : [])
    ]
    return lines.join("\n") + "\n"
  }

  const writeConfig = async (rootfs: string, text: string) => {
    await writeFile(join(rootfs, "join.yaml"), text, { mode: 0o600 })
    return "/join.yaml"
  }

  it.each<ConfigVersion>(["v1beta3", "v1beta4"])("%s file joins a worker", async (version) => {
    const nodeName = `worker-${version}`
    const rootfs = await makeWorkerMachine({ prefix: `kubeadm-ts-${nodeName}-`, kubeletVersion: VERSION })
    const containerd = await startContainerd(rootfs)
    try {
      const config = await writeConfig(rootfs, joinConfiguration(version, nodeName))
      const r = await runCli([
        "join",
        "--config",
        config,
        "--rootfs",
        rootfs,
        "--self-tls-bootstrap",
        `--ignore-preflight-errors=${SHARED_PORT}`
      ])
      expect(r.stderr + r.stdout).not.toContain("error execution phase")
      expect(r.stderr).not.toContain("WARNING: error unmarshaling configuration")
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("This node has joined the cluster:")
      await expectJoined(rootfs, cp.cluster, nodeName)
      const flags = await readFile(join(rootfs, "var/lib/kubelet/kubeadm-flags.env"), "utf8")
      expect(flags).toContain(`--node-labels=config-version=${version}"`)
      expect(flags).not.toContain("--container-runtime=remote")
    } finally {
      await containerd.stop()
      await rm(rootfs, { recursive: true, force: true })
    }
  })

  it.each<ConfigVersion>(["v1beta3", "v1beta4"])("%s file joins a control plane", async (version) => {
    const nodeName = `cp-${version}`
    const m = await controlPlaneMachine(nodeName, { kubeletVersion: VERSION })
    cp.cleanups.push(m.cleanup)
    const config = await writeConfig(m.rootfs, joinConfiguration(version, nodeName, { advertiseAddress: m.address }))
    const r = await runCli([
      "join",
      "--config",
      config,
      "--rootfs",
      m.rootfs,
      "--self-tls-bootstrap",
      `--ignore-preflight-errors=CRI,NumCPU,${SHARED_PORT}`
    ])
    expect(r.stderr + r.stdout).not.toContain(cp.cluster.certificateKey)
    expect(r.stderr).not.toContain("WARNING: error unmarshaling configuration")
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).toContain("This node has joined the cluster and a new control plane instance was created:")
    expect(r.stdout).toContain("\n* Control plane label and taint were applied to the new node.\n")
    const etc = join(m.rootfs, "etc/kubernetes")
    for (const f of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"])
      expect((await stat(join(etc, "manifests", `${f}.yaml`))).mode & 0o777, f).toBe(0o600)
    const apiserver = parse(await readFile(join(etc, "manifests/kube-apiserver.yaml"), "utf8")) as {
      spec: { containers: Array<{ command: string[] }> }
    }
    expect(apiserver.spec.containers[0]?.command).toContain(`--advertise-address=${m.address}`)
    const members = await etcdMembers([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls)
    expect(members.find((x) => x.name === nodeName)).toMatchObject({
      peerURLs: [`https://${m.address}:2380`],
      isLearner: false
    })
    const node = cp.cluster.get("nodes", undefined, nodeName) as {
      metadata: { labels: Record<string, string> }
      spec: { taints?: Array<{ key: string; effect: string }> }
    }
    expect(node.metadata.labels["node-role.kubernetes.io/control-plane"]).toBe("")
    expect(node.spec.taints).toContainEqual({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" })
  })
})
