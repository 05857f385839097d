/**
 * @kubeadm-ts/join used as a library, the way an outside Node tool would: only
 * the package's public index (plus the testkit's cluster to talk to).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Duration, Effect, Either, Layer, Ref } from "effect"
import { parse } from "yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  bootstrap,
  crypto,
  discovery,
  kubeApi,
  kubeconfig,
  manifests,
  output,
  type OutputLine,
  pki,
  rootfs
} from "@kubeadm-ts/join"
import { initCluster, type TestCluster } from "@kubeadm-ts/testkit"

const repo = fileURLToPath(new URL("../../..", import.meta.url))
const WRONG_PIN = `sha256:${"0".repeat(64)}`

let cluster: TestCluster
let work: string
beforeAll(async () => {
  // The cluster last: its returned teardown only runs when the whole hook succeeded.
  work = await mkdtemp(join(tmpdir(), "kubeadm-ts-library-"))
  cluster = await initCluster({ address: "127.0.3.1" })
  return () => cluster.close()
})
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

const lines = Ref.unsafeMake<ReadonlyArray<OutputLine>>([])
const discover = (caCertHashes: ReadonlyArray<string>) =>
  Effect.runPromise(
    Effect.either(
      discovery.tokenDiscovery(
        { token: cluster.token, apiServerEndpoint: cluster.endpoint, caCertHashes, unsafeSkipCAVerification: false },
        Duration.seconds(20)
      )
    ).pipe(Effect.provide(Layer.mergeAll(kubeApi.layer, crypto.layer, output.fake(lines))))
  )

/** `openssl verify` of one certificate against one CA, both given as PEM text. */
const opensslVerify = async (name: string, certPem: string, caPem: string) => {
  const dir = await mkdtemp(join(work, `${name}-`))
  await writeFile(join(dir, "ca.crt"), caPem)
  await writeFile(join(dir, "leaf.crt"), certPem)
  return execFileSync("openssl", ["verify", "-CAfile", join(dir, "ca.crt"), join(dir, "leaf.crt")], {
    encoding: "utf8"
  })
}

/** A bootstrap kubeconfig as bootstrap-kubelet.conf holds it: server, CA and token. */
const bootstrapKubeconfig = (server: string, caPem: string, token: string) =>
  kubeconfig.simpleKubeconfig({
    clusterName: "kubernetes",
    cluster: { server, certificateAuthorityData: caPem },
    userName: "tls-bootstrap-token-user",
    user: { token },
    contextName: "tls-bootstrap-token-user@kubernetes"
  })

const tokenSecret = () => cluster.token.slice(cluster.token.indexOf(".") + 1)

describe("@kubeadm-ts/join as a library", () => {
  it("token discovery with CA pinning returns the cluster's verified CA and server", async () => {
    const found = await discover([cluster.caCertHash])
    if (Either.isLeft(found)) throw found.left
    expect(found.right.caPem).toBe(cluster.caPem)
    expect(found.right.server).toBe(`https://${cluster.clusterEndpoint}`)
    expect(crypto.caCertHash(found.right.caPem)).toBe(cluster.caCertHash)
  })

  it("a wrong pin fails at once with the typed DiscoveryError PinMismatch, naming both pins and no secret", async () => {
    const result = await discover([WRONG_PIN])
    if (Either.isRight(result)) throw new Error("discovery accepted a CA that matches no pin")
    const error = result.left
    expect(error).toBeInstanceOf(discovery.DiscoveryError)
    expect(error.reason).toBe("PinMismatch")
    expect(error.seen).toEqual([cluster.caCertHash])
    expect(error.pinned).toEqual([WRONG_PIN])
    expect(error.message).toContain(cluster.caCertHash)
    expect(error.message).not.toContain(tokenSecret())
  })

  it("the CSR TLS bootstrap obtains a node client certificate that openssl verifies against the cluster CA", async () => {
    const found = await discover([cluster.caCertHash])
    if (Either.isLeft(found)) throw found.left
    const target = bootstrapKubeconfig(found.right.server, found.right.caPem, cluster.token)
    const result = await Effect.runPromise(
      bootstrap
        .tlsBootstrap({ kubeconfig: target, nodeName: "library-node", timeout: 30_000 })
        .pipe(Effect.provide(kubeApi.layer))
    )

    expect(await opensslVerify("node-client", result.certPem, cluster.caPem)).toMatch(/: OK\n$/)
    const cert = crypto.parseCertificate(result.certPem)
    expect(cert.commonName).toBe("system:node:library-node")
    expect(cert.organizations).toEqual(["system:nodes"])
    expect(cert.extKeyUsages).toEqual(["client"])
    expect(await crypto.certificateMatchesKey(result.certPem, result.keys)).toBe(true)
    expect(result.keyPem).toContain("EC PRIVATE KEY")
  })

  it("the TLS bootstrap with an unknown token fails with a typed 401, never printing the token", async () => {
    const target = bootstrapKubeconfig(cluster.url, cluster.caPem, "abcdef.0123456789abcdef")
    const result = await Effect.runPromise(
      Effect.either(
        bootstrap
          .tlsBootstrap({ kubeconfig: target, nodeName: "library-node-2", timeout: 10_000, retries: 0 })
          .pipe(Effect.provide(kubeApi.layer))
      )
    )
    if (Either.isRight(result)) throw new Error("an unknown bootstrap token got a certificate")
    expect(result.left).toBeInstanceOf(bootstrap.TlsBootstrapError)
    expect(result.left.reason === "RequestFailed" && result.left.status).toBe(401)
    expect(result.left.message).not.toContain("0123456789abcdef")
  })

  it("the PKI builder makes a joining control plane's apiserver certificate from the cluster's CA and ClusterConfiguration", async () => {
    const kubeadmConfig = cluster.get("configmaps", "kube-system", "kubeadm-config") as
      { data?: Record<string, string> } | undefined
    const clusterConfiguration = parse(kubeadmConfig?.data?.["ClusterConfiguration"] ?? "") as Record<string, unknown>
    const cfg = manifests.controlPlaneConfigFrom(clusterConfiguration, {
      nodeName: "library-cp",
      advertiseAddress: "127.0.3.2",
      bindPort: 6443
    })

    // The shared CAs on the node, as download-certs leaves them.
    const root = await mkdtemp(join(work, "rootfs-"))
    const dir = join(root, cfg.certificatesDir)
    for (const [base, pair] of [
      ["ca", cluster.pki.ca],
      ["front-proxy-ca", cluster.pki.frontProxyCa],
      ["etcd/ca", cluster.pki.etcdCa]
    ] as const) {
      await mkdir(dirname(join(dir, base)), { recursive: true })
      await writeFile(join(dir, `${base}.crt`), pair.certPem)
      await writeFile(join(dir, `${base}.key`), pair.keyPem, { mode: 0o600 })
    }

    const report = await Effect.runPromise(
      pki
        .ensureControlPlaneCerts(cfg)
        .pipe(Effect.provide(Layer.mergeAll(rootfs.layer(root), crypto.layer, output.fake(lines))))
    )
    expect(report.generated).toContain("apiserver")
    expect(report.reused).toEqual([])

    const apiserver = await readFile(join(dir, "apiserver.crt"), "utf8")
    expect(await opensslVerify("apiserver", apiserver, cluster.caPem)).toMatch(/: OK\n$/)
    const info = crypto.parseCertificate(apiserver)
    expect(info.dnsNames).toEqual(
      expect.arrayContaining(["library-cp", "kubernetes", "kubernetes.default.svc.cluster.local"])
    )
    expect(info.ipAddresses).toEqual(expect.arrayContaining(["10.96.0.1", "127.0.3.2"]))
    expect((await stat(join(dir, "apiserver.key"))).mode & 0o777).toBe(0o600)
  })

  it("importing the library loads neither @kubernetes/client-node nor gRPC nor kubernetes-models", async () => {
    // A resolve hook that refuses those packages: importing the index must still work.
    const hooks = await mkdtemp(join(work, "hooks-"))
    await writeFile(
      join(hooks, "refuse.mjs"),
      `export async function resolve(specifier, context, next) {
  if (/^(@kubernetes\\/client-node|@grpc\\/|kubernetes-models)/.test(specifier)) throw new Error("loaded eagerly: " + specifier)
  return next(specifier, context)
}\n`
    )
    await writeFile(
      join(hooks, "register.mjs"),
      `import { register } from "node:module"\nregister("./refuse.mjs", import.meta.url)\n`
    )
    const script = `
const lib = await import("@kubeadm-ts/join")
console.log("imported", typeof lib.discovery.tokenDiscovery, typeof lib.bootstrap.tlsBootstrap)
try { await import("@kubernetes/client-node"); console.log("hook missed") } catch (e) { console.log("hook works:", e.message) }`
    const child = spawnSync(
      process.execPath,
      [
        "--conditions=@kubeadm-ts/source",
        "--import",
        "tsx",
        "--import",
        join(hooks, "register.mjs"),
        "--input-type=module",
        "-e",
        script
      ],
      { cwd: repo, encoding: "utf8", timeout: 50_000 }
    )
    expect(child.status, child.stderr).toBe(0)
    expect(child.stdout).toContain("imported function function")
    expect(child.stdout).toContain("hook works: loaded eagerly: @kubernetes/client-node")
  })
})
