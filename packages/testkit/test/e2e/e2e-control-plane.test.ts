/**
 * Control-plane join end to end: the built CLI (`node packages/cli/dist/kubeadm-ts.mjs`)
 * against the testkit API server with a REAL etcd as the first member; each
 * joining node's etcd is the static Pod manifest the join wrote, run with the
 * real etcd binary. Each node has its own loopback address.
 */
import { readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import { Pod } from "kubernetes-models/v1"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import type { ClusterWithEtcd } from "../../src/etcd/cluster-with-etcd.js"
import { kubectl } from "../helpers.js"
import {
  controlPlaneMachine,
  etcdctl,
  etcdMembers,
  openssl,
  runCli,
  useClusterWithEtcd
} from "./control-plane-helpers.js"

const LEAVES: Array<[leaf: string, ca: string, sans: string | undefined, eku: string]> = [
  [
    "apiserver",
    "ca",
    "DNS:cp-2, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local",
    "TLS Web Server Authentication"
  ],
  ["apiserver-kubelet-client", "ca", undefined, "TLS Web Client Authentication"],
  ["front-proxy-client", "front-proxy-ca", undefined, "TLS Web Client Authentication"],
  ["etcd/server", "etcd/ca", "DNS:cp-2, DNS:localhost", "TLS Web Server Authentication, TLS Web Client Authentication"],
  ["etcd/peer", "etcd/ca", "DNS:cp-2, DNS:localhost", "TLS Web Server Authentication, TLS Web Client Authentication"],
  ["etcd/healthcheck-client", "etcd/ca", undefined, "TLS Web Client Authentication"],
  ["apiserver-etcd-client", "etcd/ca", undefined, "TLS Web Client Authentication"]
]

const mode = async (path: string) => (await stat(path)).mode & 0o777

/** The ClusterStatus in kubeadm-config, with the field these tests read. */
const clusterStatus = (cluster: ClusterWithEtcd) =>
  parse(
    String(
      (cluster.get("configmaps", "kube-system", "kubeadm-config")?.["data"] as Record<string, string>)["ClusterStatus"]
    )
  ) as {
    apiEndpoints: Record<string, { advertiseAddress: string; bindPort: number }>
  }

describe("control-plane join (built CLI, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })
  const cleanups = cp.cleanups

  it("joins a second control plane: files, certificates, manifests, 2 healthy etcd members, ClusterStatus, Node, kubectl", async () => {
    const m = await controlPlaneMachine("cp-2")
    cleanups.push(m.cleanup)
    const started = Date.now()
    const r = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags, "--v=1"])
    const wallMs = Date.now() - started
    expect(r.stderr + r.stdout).not.toContain(cp.cluster.certificateKey)
    expect(r.code, r.stderr).toBe(0)
    const phaseTimes = r.stderr
      .split("\n")
      .filter((l) => /^\[phase\] .* done in /.test(l) || /key pairs concurrently/.test(l))
    console.log(`control-plane join (CLI wall time): ${wallMs} ms\n${phaseTimes.join("\n")}`)
    expect(r.stdout).toContain("This node has joined the cluster and a new control plane instance was created:")
    // a v1.15 cluster with stacked etcd: the "(master)" wording and the etcd line
    expect(r.stdout).toContain(
      "\n* Control plane (master) label and taint were applied to the new node.\n* The Kubernetes control plane instances scaled up.\n* A new etcd member was added to the local/stacked etcd cluster.\n"
    )
    const etc = join(m.rootfs, "etc/kubernetes")
    const pki = join(etc, "pki")

    // files and modes
    for (const f of ["ca.key", "front-proxy-ca.key", "etcd/ca.key", "sa.key", ...LEAVES.map(([l]) => `${l}.key`)])
      expect(await mode(join(pki, f)), f).toBe(0o600)
    for (const [l] of LEAVES) expect(await mode(join(pki, `${l}.crt`)), l).toBe(0o644)
    for (const f of ["admin.conf", "controller-manager.conf", "scheduler.conf"])
      expect(await mode(join(etc, f)), f).toBe(0o600)
    for (const f of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"])
      expect(await mode(join(etc, "manifests", `${f}.yaml`)), f).toBe(0o600)
    expect(await mode(join(etc, "manifests"))).toBe(0o700)

    // every certificate verifies against its CA and carries its SANs and usages
    for (const [leaf, ca, sans, eku] of LEAVES) {
      const crt = join(pki, `${leaf}.crt`)
      expect(openssl("verify", "-CAfile", join(pki, `${ca}.crt`), crt).trim()).toBe(`${crt}: OK`)
      const ext = openssl("x509", "-in", crt, "-noout", "-ext", "subjectAltName,keyUsage,extendedKeyUsage")
      expect(ext).toContain("Digital Signature, Key Encipherment")
      expect(ext).toMatch(new RegExp(`${eku}\\s*$`, "m"))
      if (sans) expect(ext).toContain(sans)
      else expect(ext).not.toContain("Subject Alternative Name")
    }
    const apiSans = openssl("x509", "-in", join(pki, "apiserver.crt"), "-noout", "-ext", "subjectAltName")
    expect(apiSans).toContain(`IP Address:10.96.0.1, IP Address:${m.address}, IP Address:${cp.cluster.address}`)
    expect(openssl("x509", "-in", join(pki, "etcd/server.crt"), "-noout", "-ext", "subjectAltName")).toContain(
      `IP Address:${m.address}, IP Address:127.0.0.1`
    )

    // the manifests are valid core/v1 Pods
    for (const f of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"]) {
      new Pod(
        parse(await readFile(join(etc, "manifests", `${f}.yaml`), "utf8")) as ConstructorParameters<typeof Pod>[0]
      ).validate()
    }

    // etcd: 2 started voting members, healthy
    const members = await etcdMembers([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls)
    expect(members.map((x) => x.name).sort()).toEqual(["control-plane-1", "cp-2"])
    expect(members.every((x) => x.clientURLs.length > 0 && !x.isLearner)).toBe(true)
    expect(members.find((x) => x.name === "cp-2")?.peerURLs).toEqual([`https://${m.address}:2380`])
    const health = await etcdctl([cp.cluster.etcd.clientURL, `https://${m.address}:2379`], cp.cluster.etcd.tls, [
      "endpoint",
      "health"
    ])
    expect(health.code, health.stderr).toBe(0)
    expect((health.stdout + health.stderr).match(/is healthy/g)).toHaveLength(2)

    // ClusterStatus lists the new API endpoint
    const status = clusterStatus(cp.cluster)
    expect(status.apiEndpoints["cp-2"]).toEqual({ advertiseAddress: m.address, bindPort: 6443 })
    expect(status.apiEndpoints["control-plane-1"]).toBeDefined()

    // the Node is labelled and tainted
    const node = cp.cluster.get("nodes", undefined, "cp-2") as {
      metadata: { labels: Record<string, string> }
      spec: { taints: Array<{ key: string; effect: string }> }
    }
    expect(node.metadata.labels["node-role.kubernetes.io/master"]).toBe("")
    expect(node.spec.taints).toContainEqual({ key: "node-role.kubernetes.io/master", effect: "NoSchedule" })

    // admin.conf works with the real kubectl against the testkit
    const nodes = await kubectl(join(etc, "admin.conf"), ["get", "nodes", "-o", "name"])
    expect(nodes.status, nodes.stderr).toBe(0)
    expect(nodes.stdout).toContain("node/cp-2")
  })

  it("a third control plane joins after it: 3 healthy members; update-status retries on 409 Conflict", async () => {
    const m = await controlPlaneMachine("cp-3")
    cleanups.push(m.cleanup)
    // update-status re-asserts the RBAC that lets nodes read kubeadm-config (unconditional update)
    const RB = "rolebindings.rbac.authorization.k8s.io"
    const binding = cp.cluster.get(RB, "kube-system", "kubeadm:nodes-kubeadm-config") as unknown as {
      subjects: Array<Record<string, string>>
    }
    cp.cluster.store.update(RB, {
      ...(binding as object),
      subjects: [...binding.subjects, { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "someone-else" }]
    } as unknown as Parameters<typeof cp.cluster.store.update>[1])
    const conflicts = cp.cluster.faults.failNext(
      { method: "PUT", path: "/api/v1/namespaces/kube-system/configmaps/kubeadm-config" },
      2,
      409
    )
    const r = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags])
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(conflicts.hits()).toBe(2)
    const status = clusterStatus(cp.cluster)
    expect(Object.keys(status.apiEndpoints).sort()).toEqual(["control-plane-1", "cp-2", "cp-3"])
    expect(
      cp.cluster.get("roles.rbac.authorization.k8s.io", "kube-system", "kubeadm:nodes-kubeadm-config")
    ).toBeDefined()
    const rb = cp.cluster.get(RB, "kube-system", "kubeadm:nodes-kubeadm-config") as unknown as {
      subjects: Array<{ name: string }>
    }
    expect(rb.subjects.map((x) => x.name).sort()).toEqual([
      "system:bootstrappers:kubeadm:default-node-token",
      "system:nodes"
    ])
    const members = await etcdMembers([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls)
    expect(members.map((x) => x.name).sort()).toEqual(["control-plane-1", "cp-2", "cp-3"])
    const health = await etcdctl([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls, ["endpoint", "health", "--cluster"])
    expect(health.code, health.stderr).toBe(0)
    expect((health.stdout + health.stderr).match(/is healthy/g)).toHaveLength(3)
  })
})
