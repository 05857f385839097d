/**
 * A control-plane join into a cluster whose etcd is external (a REAL etcd the
 * cluster only points at): download-certs writes the external etcd client
 * files to the configured paths, no etcd certificates or member are made, the
 * API server manifest uses the external endpoints, and the etcd phase says so.
 */
import { readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { issueEtcdCert, startEtcd, type RealEtcd } from "../../src/etcd/real-etcd.js"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { defined } from "../helpers.js"
import { controlPlaneMachine, etcdMembers, runCli } from "./control-plane-helpers.js"

describe("control-plane join with external etcd (built CLI, real etcd)", () => {
  let etcd: RealEtcd
  let cluster: TestCluster
  const cleanups: Array<() => Promise<unknown>> = []
  beforeAll(async () => {
    etcd = await startEtcd({ name: "external-etcd" })
    cleanups.push(() => etcd.stop())
    const client = await issueEtcdCert(etcd.ca, {
      commonName: "kube-apiserver-etcd-client",
      organizations: ["system:masters"],
      server: false
    })
    cluster = await initCluster({
      address: etcd.address,
      controlPlaneEndpoint: true,
      etcd: {
        external: {
          endpoints: [etcd.clientURL],
          caFile: "/etc/etcd/pki/ca.crt",
          certFile: "/etc/etcd/pki/client.crt",
          keyFile: "/etc/etcd/pki/client.key"
        }
      },
      externalEtcdFiles: { caPem: etcd.ca.certPem, certPem: client.certPem, keyPem: client.keyPem }
    })
    cleanups.push(() => cluster.close())
  })
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it("joins without touching etcd membership; the API server points at the external endpoints", async () => {
    const m = await controlPlaneMachine("cp-ext")
    cleanups.push(m.cleanup)
    const r = await runCli([...cluster.joinCommands.controlPlane, ...m.flags])
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).toContain("[check-etcd] Skipping etcd check in external mode")
    expect(r.stdout).toContain("[control-plane-join] using external etcd - no local stacked instance added")
    expect(r.stdout).not.toContain(`"etcd/server"`)
    // the closing banner: an empty line where the stacked-etcd line would be
    expect(r.stdout).toContain(
      "* The Kubernetes control plane instances scaled up.\n\n\nTo start administering your cluster"
    )
    expect(r.stdout).not.toContain("* A new etcd member was added")
    expect((await stat(join(m.rootfs, "etc/etcd/pki/client.key"))).mode & 0o777).toBe(0o600)
    expect(await readFile(join(m.rootfs, "etc/etcd/pki/ca.crt"), "utf8")).toBe(etcd.ca.certPem)
    await expect(stat(join(m.rootfs, "etc/kubernetes/pki/etcd"))).rejects.toThrow()
    await expect(stat(join(m.rootfs, "etc/kubernetes/manifests/etcd.yaml"))).rejects.toThrow()
    const api = parse(await readFile(join(m.rootfs, "etc/kubernetes/manifests/kube-apiserver.yaml"), "utf8")) as {
      spec: { containers: Array<{ command: Array<string> }>; volumes: Array<{ name: string }> }
    }
    const cmd = defined(api.spec.containers[0], "the kube-apiserver container").command
    expect(cmd).toContain(`--etcd-servers=${etcd.clientURL}`)
    expect(cmd).toContain("--etcd-cafile=/etc/etcd/pki/ca.crt")
    expect(cmd).toContain("--etcd-certfile=/etc/etcd/pki/client.crt")
    expect(api.spec.volumes.map((v) => v.name)).toContain("etcd-certs-0")
    expect((await etcdMembers([etcd.clientURL], etcd.tls)).map((x) => x.name)).toEqual(["external-etcd"])
  })
})
