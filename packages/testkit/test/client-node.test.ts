// @kubernetes/client-node against the testkit: verbs, Status errors, authn/authz, patch flavours, watch.
import { beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster, waitFor } from "../src/index.js"

type K8s = typeof import("@kubernetes/client-node")
let k8s: K8s
let cluster: TestCluster

beforeAll(async () => {
  k8s = await import("@kubernetes/client-node")
  cluster = await initCluster({ address: "127.0.1.5", keyAlgorithm: "ecdsa-p256" })
  return () => cluster.close()
})

const config = (yaml: string) => {
  const kc = new k8s.KubeConfig()
  kc.loadFromString(yaml)
  return kc
}
const core = (yaml: string) => config(yaml).makeApiClient(k8s.CoreV1Api)

/** The ApiException's code and parsed Status body. */
const failure = async (
  p: Promise<unknown>
): Promise<{ code: number; status: { kind?: string; reason?: string; message?: string; code?: number } }> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x
  )
  if (!(e instanceof k8s.ApiException)) throw new Error(`expected an ApiException, got ${String(e)}`)
  const body = typeof e.body === "string" ? (JSON.parse(e.body) as object) : ((e.body ?? {}) as object)
  return { code: e.code, status: body }
}

describe("admin identity", () => {
  it("reads, lists, creates, updates with conflict detection, deletes", async () => {
    const api = core(cluster.adminKubeconfig())
    const ci = await api.readNamespacedConfigMap({ name: "cluster-info", namespace: "kube-public" })
    expect(ci.data?.["kubeconfig"]).toContain("certificate-authority-data")
    const nodes = await api.listNode()
    expect(nodes.items.map((n) => n.metadata?.name)).toContain("control-plane-1")

    const created = await api.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "c1" }, data: { a: "1" } }
    })
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/)
    const dup = await failure(
      api.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "c1" } } })
    )
    expect(dup).toMatchObject({
      code: 409,
      status: { kind: "Status", reason: "AlreadyExists", message: 'configmaps "c1" already exists' }
    })

    const updated = await api.replaceNamespacedConfigMap({
      name: "c1",
      namespace: "default",
      body: { ...created, data: { a: "2" } }
    })
    expect(updated.data).toEqual({ a: "2" })
    const stale = await failure(
      api.replaceNamespacedConfigMap({ name: "c1", namespace: "default", body: { ...created, data: { a: "3" } } })
    )
    expect(stale).toMatchObject({ code: 409, status: { reason: "Conflict" } })

    await api.deleteNamespacedConfigMap({ name: "c1", namespace: "default" })
    const gone = await failure(api.readNamespacedConfigMap({ name: "c1", namespace: "default" }))
    expect(gone).toMatchObject({ code: 404, status: { reason: "NotFound", message: 'configmaps "c1" not found' } })
  })

  it("rejects invalid objects with 422 Invalid", async () => {
    const api = core(cluster.adminKubeconfig())
    const bad = await failure(
      api.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "Not_A_Name" } } })
    )
    expect(bad).toMatchObject({ code: 422, status: { reason: "Invalid" } })
    const csrApi = config(cluster.adminKubeconfig()).makeApiClient(k8s.CertificatesV1Api)
    const badCsr = await failure(
      csrApi.createCertificateSigningRequest({
        body: {
          metadata: { name: "bad" },
          spec: {
            request: Buffer.from("nope").toString("base64"),
            signerName: "kubernetes.io/kube-apiserver-client",
            usages: ["client auth"]
          }
        }
      })
    )
    expect(badCsr).toMatchObject({ code: 422, status: { reason: "Invalid" } })
  })

  it("patches nodes: strategic merge (labels merge, taints replace), JSON merge, JSON patch", async () => {
    const api = core(cluster.adminKubeconfig())
    await api.createNode({
      body: { metadata: { name: "p1", labels: { a: "1" } }, spec: { taints: [{ key: "old", effect: "NoSchedule" }] } }
    })
    const smp = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch)
    let n = await api.patchNode(
      {
        name: "p1",
        body: {
          metadata: {
            labels: { b: "2" },
            annotations: { "kubeadm.alpha.kubernetes.io/cri-socket": "/run/containerd/containerd.sock" }
          },
          spec: { taints: [{ key: "new", effect: "NoExecute" }] }
        }
      },
      smp
    )
    expect(n.metadata?.labels).toEqual({ a: "1", b: "2" })
    expect(n.metadata?.annotations?.["kubeadm.alpha.kubernetes.io/cri-socket"]).toBe("/run/containerd/containerd.sock")
    expect(n.spec?.taints).toEqual([{ key: "new", effect: "NoExecute" }])
    n = await api.patchNode(
      { name: "p1", body: { metadata: { labels: { a: null } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)
    )
    expect(n.metadata?.labels).toEqual({ b: "2" })
    n = await api.patchNode(
      {
        name: "p1",
        body: [
          { op: "add", path: "/metadata/labels/c", value: "3" },
          { op: "remove", path: "/spec/taints" }
        ]
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch)
    )
    expect(n.metadata?.labels).toEqual({ b: "2", c: "3" })
    expect(n.spec?.taints).toBeUndefined()
    const conflict = await failure(
      api.patchNode({ name: "p1", body: { metadata: { resourceVersion: "1", labels: { d: "4" } } } }, smp)
    )
    expect(conflict).toMatchObject({ code: 409, status: { reason: "Conflict" } })
  })

  it("watches CSRs by name with a field selector", async () => {
    const kc = config(cluster.adminKubeconfig())
    const events: Array<{ type: string; name: string; approved: boolean }> = []
    const watch = new k8s.Watch(kc)
    const ctl = await watch.watch(
      "/apis/certificates.k8s.io/v1/certificatesigningrequests",
      { fieldSelector: "metadata.name=w1" },
      (type, obj: { metadata: { name: string }; status?: { conditions?: unknown[] } }) =>
        events.push({ type, name: obj.metadata.name, approved: (obj.status?.conditions ?? []).length > 0 }),
      () => {}
    )
    const csrApi = kc.makeApiClient(k8s.CertificatesV1Api)
    const { createCsr, generateKeyPair } = await import("@kubeadm-ts/join/crypto")
    const request = await createCsr(await generateKeyPair("ecdsa-p256"), { commonName: "someone" })
    for (const name of ["w0", "w1"])
      await csrApi.createCertificateSigningRequest({
        body: {
          metadata: { name },
          spec: {
            request: Buffer.from(request).toString("base64"),
            signerName: "kubernetes.io/kube-apiserver-client",
            usages: ["client auth"]
          }
        }
      })
    const csr = await csrApi.readCertificateSigningRequest({ name: "w1" })
    await csrApi.replaceCertificateSigningRequestApproval({
      name: "w1",
      body: { ...csr, status: { conditions: [{ type: "Approved", status: "True", reason: "Test", message: "ok" }] } }
    })
    await waitFor(() => events.some((e) => e.approved))
    ctl.abort()
    expect(events.every((e) => e.name === "w1")).toBe(true)
    expect(events[0]?.type).toBe("ADDED")
    expect(events.some((e) => e.type === "MODIFIED" && e.approved)).toBe(true)
  })
})

describe("bootstrap token identity", () => {
  it("reads kubeadm-config and kubelet-config, but not secrets or other ConfigMaps", async () => {
    const api = core(cluster.bootstrapKubeconfig())
    const cm = await api.readNamespacedConfigMap({ name: "kubeadm-config", namespace: "kube-system" })
    expect(cm.data?.["ClusterConfiguration"]).toContain("kind: ClusterConfiguration")
    expect(
      (await api.readNamespacedConfigMap({ name: "kubelet-config-1.15", namespace: "kube-system" })).data?.["kubelet"]
    ).toContain("KubeletConfiguration")
    expect(
      (await api.readNamespacedConfigMap({ name: "kube-proxy", namespace: "kube-system" })).data?.["config.conf"]
    ).toContain("KubeProxyConfiguration")
    const list = await failure(api.listSecretForAllNamespaces())
    expect(list).toMatchObject({ code: 403, status: { reason: "Forbidden" } })
    expect(list.status.message).toBe(
      `secrets is forbidden: User "system:bootstrap:${cluster.token.split(".")[0]}" cannot list resource "secrets" in API group "" at the cluster scope`
    )
    const other = await failure(api.readNamespacedConfigMap({ name: "coredns", namespace: "kube-system" }))
    expect(other.code).toBe(403)
  })

  it("an unknown, expired or unusable token is 401 Unauthorized", async () => {
    // (client-node's generated code drops the body of a 401; raw.test.ts checks the Status body)
    expect((await failure(core(cluster.bootstrapKubeconfig("abcdef.0123456789abcdef")).listNode())).code).toBe(401)
    const signingOnly = cluster.createToken({ usages: ["signing"] })
    expect((await failure(core(cluster.bootstrapKubeconfig(signingOnly)).listNode())).code).toBe(401)
    const expiring = cluster.createToken()
    await core(cluster.bootstrapKubeconfig(expiring)).readNamespacedConfigMap({
      name: "kubeadm-config",
      namespace: "kube-system"
    })
    cluster.expireToken(expiring)
    expect(
      (
        await failure(
          core(cluster.bootstrapKubeconfig(expiring)).readNamespacedConfigMap({
            name: "kubeadm-config",
            namespace: "kube-system"
          })
        )
      ).code
    ).toBe(401)
  })
})

describe("anonymous identity (no credentials at all)", () => {
  it("may get cluster-info only", async () => {
    const api = core(cluster.anonymousKubeconfig())
    const ci = await api.readNamespacedConfigMap({ name: "cluster-info", namespace: "kube-public" })
    expect(ci.metadata?.name).toBe("cluster-info")
    const denied = await failure(api.readNamespacedConfigMap({ name: "kubeadm-config", namespace: "kube-system" }))
    expect(denied).toMatchObject({ code: 403, status: { reason: "Forbidden" } })
    expect(denied.status.message).toBe(
      'configmaps "kubeadm-config" is forbidden: User "system:anonymous" cannot get resource "configmaps" in API group "" in the namespace "kube-system"'
    )
    const audit = cluster.audit.filter(
      (e) => e.path === "/api/v1/namespaces/kube-public/configmaps/cluster-info" && e.via === "anonymous"
    )
    expect(audit.at(-1)).toMatchObject({ user: "system:anonymous", verb: "get", status: 200, bearerSent: false })
  })
})
