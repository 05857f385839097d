/**
 * A control-plane join into a newer (v1.28, v1beta3: no ClusterStatus) cluster
 * with --etcd-learner, through the built CLI, with the FakeKubelet doing the
 * TLS bootstrap and running the etcd static Pod (real etcd) it finds in the
 * rootfs: endpoints come from the etcd Pod annotation, the member joins as a
 * learner and is promoted, and the node gets the control-plane label/taint.
 */
import { readFile, rm, stat } from "node:fs/promises"
import { join } from "node:path"
import { Pod } from "kubernetes-models/v1"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { freeLoopbackAddress } from "../../src/etcd/real-etcd.js"
import { initClusterWithEtcd, type ClusterWithEtcd } from "../../src/etcd/cluster-with-etcd.js"
import { etcdStaticPodExtension } from "../../src/etcd/static-pod.js"
import { FakeKubelet } from "../../src/node/fake-kubelet.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import { etcdctl, etcdMembers, runCli } from "./control-plane-helpers.js"
import { SHARED_PORT } from "../helpers.js"

describe("control-plane join into a v1.28 cluster, learner mode, FakeKubelet (built CLI, real etcd)", () => {
  let cluster: ClusterWithEtcd
  const cleanups: Array<() => Promise<unknown>> = []
  beforeAll(async () => {
    cluster = await initClusterWithEtcd({ kubernetesVersion: "v1.28.4", configApiVersion: "v1beta3" })
    cleanups.push(() => cluster.close())
  })
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it("joins with a learner that is promoted; control-plane label and taint; no ClusterStatus to update", async () => {
    expect(
      (cluster.get("configmaps", "kube-system", "kubeadm-config")?.["data"] as Record<string, string>)["ClusterStatus"]
    ).toBeUndefined()
    const address = await freeLoopbackAddress([2379, 2380, 2381, 6443, 10250, 10257, 10259])
    const rootfs = await makeWorkerMachine({ prefix: "kubeadm-ts-cp-learner-", kubeletVersion: "v1.28.4" })
    const etcdExt = etcdStaticPodExtension(address)
    const kubelet = new FakeKubelet({
      rootfs,
      hostname: "cp-learner",
      internalIP: address,
      onStarted: etcdExt.onStarted
    }).start()
    cleanups.push(async () => {
      await etcdExt.stop()
      await kubelet.stop()
      await rm(rootfs, { recursive: true, force: true })
    })
    const r = await runCli([
      ...cluster.joinCommands.controlPlane,
      "--etcd-learner",
      "--rootfs",
      rootfs,
      "--node-name",
      "cp-learner",
      "--apiserver-advertise-address",
      address,
      `--ignore-preflight-errors=CRI,NumCPU,${SHARED_PORT}`
    ])
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).toContain("[etcd] Announced new etcd member joining to the existing etcd cluster (as a learner)")
    expect(r.stdout).toContain("[etcd] The learner member is in sync and was promoted to a voting member")
    // the closing banner of a current cluster: no "(master)"; stacked etcd line
    expect(r.stdout).toContain("\n* Control plane label and taint were applied to the new node.\n")
    expect(r.stdout).not.toContain("(master)")
    expect(r.stdout).toContain("\n* A new etcd member was added to the local/stacked etcd cluster.\n")
    expect(r.stdout).toContain("Currently it performs no operation")
    expect(r.stdout).toContain(
      "[mark-control-plane] Marking the node cp-learner as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]"
    )

    const members = await etcdMembers([cluster.etcd.clientURL], cluster.etcd.tls)
    expect(members.map((m) => m.name).sort()).toEqual(["control-plane-1", "cp-learner"])
    expect(members.every((m) => !m.isLearner)).toBe(true)
    const health = await etcdctl([cluster.etcd.clientURL], cluster.etcd.tls, ["endpoint", "health", "--cluster"])
    expect(health.code, health.stderr).toBe(0)

    // 1.22+ download-certs modes: keys 0600, certificates and sa.pub 0644
    const pki = join(rootfs, "etc/kubernetes/pki")
    for (const f of ["ca.crt", "front-proxy-ca.crt", "etcd/ca.crt", "sa.pub"])
      expect((await stat(join(pki, f))).mode & 0o777, f).toBe(0o644)
    for (const f of ["ca.key", "front-proxy-ca.key", "etcd/ca.key", "sa.key"])
      expect((await stat(join(pki, f))).mode & 0o777, f).toBe(0o600)

    const etcdYaml = parse(await readFile(join(rootfs, "etc/kubernetes/manifests/etcd.yaml"), "utf8")) as NonNullable<
      ConstructorParameters<typeof Pod>[0]
    >
    new Pod(etcdYaml).validate()
    expect(etcdYaml.metadata?.annotations?.["kubeadm.kubernetes.io/etcd.advertise-client-urls"]).toBe(
      `https://${address}:2379`
    )
    expect(etcdYaml.spec?.priorityClassName).toBe("system-node-critical")
    expect(etcdExt.running()?.args).toContain(`--listen-client-urls=https://${address}:2379`)

    const node = cluster.get("nodes", undefined, "cp-learner") as {
      metadata: { labels: Record<string, string> }
      spec: { taints: Array<{ key: string; effect: string }> }
    }
    expect(node.metadata.labels["node-role.kubernetes.io/control-plane"]).toBe("")
    expect(node.metadata.labels["node.kubernetes.io/exclude-from-external-load-balancers"]).toBe("")
    expect(node.metadata.labels["node-role.kubernetes.io/master"]).toBeUndefined()
    expect(node.spec.taints).toContainEqual({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" })
  })
})
