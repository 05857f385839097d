/**
 * `join --dry-run` through the built CLI against the testkit: a worker and a control plane
 * leave their machine byte-identical (every file hashed before and after, modes included),
 * print every file the real join writes, exit 0, and change nothing in the cluster (no store
 * event at all: no Node, no CSR, no ConfigMap update) nor in etcd's membership.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Store } from "../../src/api-server/store.js"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { SHARED_PORT } from "../helpers.js"
import {
  controlPlaneMachine,
  etcdMembers,
  runCli as runControlPlaneCli,
  useClusterWithEtcd
} from "./control-plane-helpers.js"
import { treeHash } from "./dry-run-helpers.js"
import { runCli, tokenJoinArgs, withMachine } from "./worker-helpers.js"

/** Every change the store sees while `run` runs. */
const changesDuring = async <A>(store: Store, run: () => Promise<A>) => {
  const events: Array<unknown> = []
  // the bootstrap signer keeps cluster-info's signatures up to date on its own
  const stop = store.subscribe((e) => {
    if (e.object.metadata.name !== "cluster-info") events.push(e)
  })
  try {
    return { result: await run(), events }
  } finally {
    stop()
  }
}

describe("join --dry-run, worker (built CLI, testkit)", () => {
  let cluster: TestCluster
  beforeAll(async () => {
    cluster = await initCluster({ address: "127.0.2.7", kubernetesVersion: "v1.15.12" })
  })
  afterAll(() => cluster.close())

  it("writes nothing, prints every would-be file, exits 0 and creates no object", async () => {
    await withMachine(async (rootfs) => {
      const before = await treeHash(rootfs)
      const nodesBefore = cluster.store.list("nodes").length
      const { result: r, events } = await changesDuring(cluster.store, () =>
        runCli([
          ...tokenJoinArgs(cluster),
          "--rootfs",
          rootfs,
          "--node-name",
          "dry-worker",
          `--ignore-preflight-errors=${SHARED_PORT}`,
          "--dry-run"
        ])
      )
      expect(r.code, r.stderr + r.stdout).toBe(0)
      expect(await treeHash(rootfs)).toEqual(before)
      expect(events).toEqual([])
      expect(cluster.store.list("nodes")).toHaveLength(nodesBefore)
      expect(cluster.store.list("certificatesigningrequests.certificates.k8s.io")).toEqual([])
      for (const [path, mode] of [
        ["/etc/kubernetes/bootstrap-kubelet.conf", "0600"],
        ["/etc/kubernetes/pki/ca.crt", "0644"]
      ])
        expect(r.stdout).toContain(
          `[dryrun] Would write file "${path}" with mode ${mode} (its content is not printed due to its sensitive nature)`
        )
      expect(r.stdout).toContain(
        '[dryrun] Would write file "/var/lib/kubelet/config.yaml" with mode 0644 and content:\n'
      )
      expect(r.stdout).toMatch(
        /\[dryrun\] Would write file "\/var\/lib\/kubelet\/kubeadm-flags.env" with mode 0644 and content:\nKUBELET_KUBEADM_ARGS="/
      )
      expect(r.stdout).toContain("[kubelet-start] Would stop the kubelet")
      expect(r.stdout).toContain("[kubelet-start] Would start the kubelet")
      expect(r.stdout).toContain('[dryrun] Would remove "/etc/kubernetes/bootstrap-kubelet.conf"')
      // the v1.15 cluster's CRI socket annotation: a PATCH the API server admitted with dryRun=All
      expect(r.stdout).toContain('[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"')
      expect(r.stdout + r.stderr).not.toContain(cluster.token.split(".")[1] ?? "-")
      expect(r.stdout).toContain("This node has joined the cluster:")
    })
  })

  it("a v1beta4 file with dryRun: true is a dry run too", async () => {
    const file = [
      "apiVersion: kubeadm.k8s.io/v1beta4",
      "kind: JoinConfiguration",
      "dryRun: true",
      "discovery:",
      "  bootstrapToken:",
      `    apiServerEndpoint: "${cluster.endpoint}"`,
      `    token: "${cluster.token}"`,
      `    caCertHashes: ["${cluster.caCertHash}"]`,
      "nodeRegistration:",
      "  name: dry-config",
      `  ignorePreflightErrors: ["${SHARED_PORT}"]`,
      ""
    ].join("\n")
    await withMachine(
      async (rootfs) => {
        const before = await treeHash(rootfs)
        const { result: r, events } = await changesDuring(cluster.store, () =>
          runCli(["join", "--config", "/etc/join.yaml", "--rootfs", rootfs])
        )
        expect(r.code, r.stderr + r.stdout).toBe(0)
        expect(await treeHash(rootfs)).toEqual(before)
        expect(events).toEqual([])
        expect(r.stdout).toContain('[dryrun] Would write file "/var/lib/kubelet/kubeadm-flags.env" with mode 0644')
      },
      { "etc/join.yaml": file }
    )
  })

  it("join phase kubelet-start --dry-run: the phase alone, the same promise", async () => {
    await withMachine(async (rootfs) => {
      const before = await treeHash(rootfs)
      const [, endpoint = "", ...rest] = tokenJoinArgs(cluster)
      const { result: r, events } = await changesDuring(cluster.store, () =>
        runCli([
          "join",
          "phase",
          "kubelet-start",
          endpoint,
          ...rest,
          "--rootfs",
          rootfs,
          "--node-name",
          "dry-phase",
          "--dry-run"
        ])
      )
      expect(r.code, r.stderr + r.stdout).toBe(0)
      expect(await treeHash(rootfs)).toEqual(before)
      expect(events).toEqual([])
      expect(r.stdout).toContain(
        '[dryrun] Would write file "/var/lib/kubelet/config.yaml" with mode 0644 and content:\n'
      )
      expect(r.stdout).toContain("[kubelet-start] Would start the kubelet")
    })
  })
})

describe("join --dry-run, control plane (built CLI, testkit, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })

  it("writes nothing, prints every would-be file, exits 0, adds no etcd member and changes no object", async () => {
    const m = await controlPlaneMachine("cp-dry")
    cp.cleanups.push(m.cleanup)
    const before = await treeHash(m.rootfs)
    const membersBefore = await etcdMembers([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls)
    const { result: r, events } = await changesDuring(cp.cluster.store, () =>
      runControlPlaneCli([...cp.cluster.joinCommands.controlPlane, ...m.flags, "--dry-run"])
    )
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(await treeHash(m.rootfs)).toEqual(before)
    expect(events).toEqual([])
    expect(await etcdMembers([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls)).toEqual(membersBefore)
    const written = [...r.stdout.matchAll(/\[dryrun\] Would write file "([^"]+)" with mode (\d+)/g)].map(
      ([, path, mode]) => `${path ?? ""} ${mode ?? ""}`
    )
    // the shared certificates and keys downloaded from kubeadm-certs, as the real join writes them
    for (const f of ["ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key"])
      expect(written).toContain(`/etc/kubernetes/pki/${f} 0600`)
    for (const f of ["sa.key", "sa.pub"]) expect(written).toContain(`/etc/kubernetes/pki/${f} 0600`)
    for (const f of ["apiserver", "apiserver-kubelet-client", "front-proxy-client", "etcd/server", "etcd/peer"]) {
      expect(written).toContain(`/etc/kubernetes/pki/${f}.crt 0644`)
      expect(written).toContain(`/etc/kubernetes/pki/${f}.key 0600`)
    }
    for (const f of ["etcd/healthcheck-client", "apiserver-etcd-client"]) {
      expect(written).toContain(`/etc/kubernetes/pki/${f}.crt 0644`)
      expect(written).toContain(`/etc/kubernetes/pki/${f}.key 0600`)
    }
    for (const f of ["bootstrap-kubelet.conf", "kubelet.conf"]) expect(written).toContain(`/etc/kubernetes/${f} 0600`)
    for (const f of ["config.yaml", "kubeadm-flags.env"]) expect(written).toContain(`/var/lib/kubelet/${f} 0644`)
    for (const f of ["admin.conf", "controller-manager.conf", "scheduler.conf"])
      expect(written).toContain(`/etc/kubernetes/${f} 0600`)
    for (const c of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"])
      expect(r.stdout).toMatch(
        new RegExp(
          `\\[dryrun\\] Would write file "/etc/kubernetes/manifests/${c}.yaml" with mode 0600 and content:\\napiVersion: v1\\nkind: Pod\\n`
        )
      )
    expect(r.stdout).toContain('[dryrun] Would create directory "/var/lib/etcd" with mode 0700')
    expect(r.stdout).toMatch(/\[dryrun\] Would add the etcd member with peer URL https:\/\/[0-9.]+:2380/)
    // ClusterStatus (v1.15) and mark-control-plane: sent with dryRun=All, admitted, not stored
    expect(r.stdout).toContain('[dryrun] Would perform action UPDATE on resource "configmaps" in API group "core/v1"')
    expect(r.stdout).toContain('[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"')
    expect(r.stdout + r.stderr).not.toContain(cp.cluster.certificateKey)
    expect(r.stdout).not.toContain("PRIVATE KEY")
    expect(r.stdout).toContain("This node has joined the cluster and a new control plane instance was created:")
  })
})
