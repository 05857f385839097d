// The real kubectl against the testkit's API server: admin, bootstrap token and anonymous identities.
import { beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { initCluster, type TestCluster } from "../src/index.js"
import { kubectl, releasingOnFailure, tempDir } from "./helpers.js"

let cluster: TestCluster
let files: Awaited<ReturnType<TestCluster["writeFiles"]>>

beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.1.1", keyAlgorithm: "ecdsa-p256" })
  const close = () => cluster.close()
  files = await releasingOnFailure(close, () => cluster.writeFiles(tempDir()))
  return close
})

describe("kubectl with the admin client-certificate kubeconfig", () => {
  it("get --raw /version", async () => {
    const r = await kubectl(files.adminKubeconfig, ["get", "--raw", "/version"])
    expect(r.stderr).toBe("")
    expect(JSON.parse(r.stdout)).toMatchObject({ major: "1", minor: "15", gitVersion: "v1.15.12" })
  })

  it("get nodes", async () => {
    const r = await kubectl(files.adminKubeconfig, ["get", "nodes"])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/control-plane-1\s+Ready\s+master/)
  })

  it("get cm -n kube-public cluster-info -o yaml", async () => {
    const r = await kubectl(files.adminKubeconfig, ["get", "cm", "-n", "kube-public", "cluster-info", "-o", "yaml"])
    expect(r.status).toBe(0)
    const cm = parse(r.stdout) as { kind: string; data: Record<string, string> }
    expect(cm.kind).toBe("ConfigMap")
    expect(cm.data["kubeconfig"]).toContain(`server: https://${cluster.endpoint}`)
    expect(Object.keys(cm.data)).toContain(`jws-kubeconfig-${cluster.token.split(".")[0]}`)
  })

  it("get csr", async () => {
    const r = await kubectl(files.adminKubeconfig, ["get", "csr"])
    expect(r.status).toBe(0)
    expect(r.stderr).toContain("No resources found")
  })

  it("get secrets -A lists the bootstrap token and kubeadm-certs", async () => {
    const r = await kubectl(files.adminKubeconfig, ["get", "secrets", "-A"])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain("kubeadm-certs")
    expect(r.stdout).toContain(`bootstrap-token-${cluster.token.split(".")[0]}`)
  })
})

describe("kubectl with a bootstrap-token kubeconfig", () => {
  it("may read kubeadm-config", async () => {
    const r = await kubectl(files.bootstrapKubeconfig, [
      "get",
      "cm",
      "-n",
      "kube-system",
      "kubeadm-config",
      "-o",
      "yaml"
    ])
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    expect(r.stdout).toContain("kind: ClusterConfiguration")
  })

  it("may not list secrets", async () => {
    const r = await kubectl(files.bootstrapKubeconfig, ["get", "secrets", "-A"])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain("Forbidden")
    expect(r.stderr).toContain(`User "system:bootstrap:${cluster.token.split(".")[0]}" cannot list resource "secrets"`)
  })
})

// kubectl cannot send a request without credentials (it prompts for a user name), so it acts as
// system:anonymous through impersonation; the raw client tests cover true credential-less requests.
describe("kubectl as system:anonymous", () => {
  const asAnonymous = ["--as=system:anonymous", "--as-group=system:unauthenticated"]

  it("may not read kubeadm-config", async () => {
    const r = await kubectl(files.adminKubeconfig, [...asAnonymous, "get", "cm", "-n", "kube-system", "kubeadm-config"])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain("Forbidden")
  })

  it("may read cluster-info", async () => {
    const r = await kubectl(files.adminKubeconfig, [
      ...asAnonymous,
      "get",
      "--raw",
      "/api/v1/namespaces/kube-public/configmaps/cluster-info"
    ])
    expect(r.stderr).toBe("")
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: "ConfigMap", metadata: { name: "cluster-info" } })
  })
})

describe("kubectl with typed clients (protobuf request bodies)", () => {
  it("certificate approve lets a waiting TLS bootstrap finish; auth can-i answers from RBAC", async () => {
    const { tlsBootstrap } = await import("@kubeadm-ts/join/bootstrap")
    const kubeApi = await import("@kubeadm-ts/join/kube-api")
    const { parseKubeconfig } = await import("@kubeadm-ts/join/kubeconfig")
    const { Effect, Either } = await import("effect")
    const manual = await initCluster({ address: "127.0.1.13", keyAlgorithm: "ecdsa-p256", autoApproveCsrs: false })
    try {
      const f = await manual.writeFiles(tempDir())
      let csrName = ""
      const done = Effect.runPromise(
        tlsBootstrap({
          kubeconfig: Either.getOrThrow(parseKubeconfig(manual.bootstrapKubeconfig())),
          nodeName: "w-manual",
          timeout: 20_000,
          onProgress: (e) =>
            Effect.sync(() => {
              if (e.kind === "csr-created") csrName = e.csrName
            })
        }).pipe(Effect.provide(kubeApi.layer))
      )
      const { waitFor } = await import("../src/index.js")
      await waitFor(
        () => csrName !== "" && manual.get("certificatesigningrequests.certificates.k8s.io", undefined, csrName)
      )
      const pending = await kubectl(f.adminKubeconfig, ["get", "csr"])
      expect(pending.stdout).toMatch(
        new RegExp(
          `${csrName}\\s+\\S+\\s+kubernetes.io/kube-apiserver-client-kubelet\\s+system:bootstrap:\\w+\\s+Pending`
        )
      )
      const approve = await kubectl(f.adminKubeconfig, ["certificate", "approve", csrName])
      expect(approve.stderr).toBe("")
      expect(approve.stdout).toContain(`certificatesigningrequest.certificates.k8s.io/${csrName} approved`)
      expect((await done).certPem).toContain("BEGIN CERTIFICATE")
      expect((await kubectl(f.adminKubeconfig, ["get", "csr", csrName])).stdout).toContain("Approved,Issued")

      const canI = (args: string[]) => kubectl(f.bootstrapKubeconfig, ["auth", "can-i", ...args])
      expect((await canI(["get", "configmap/kubeadm-config", "-n", "kube-system"])).stdout.trim()).toBe("yes")
      expect((await canI(["list", "secrets", "-A"])).stdout.trim()).toBe("no")
      expect((await canI(["create", "certificatesigningrequests"])).stdout.trim()).toBe("yes")
    } finally {
      await manual.close()
    }
  })
})
