// What the cluster uploads: cluster-info + JWS, kubeadm-config, kubelet-config, kube-proxy, kubeadm-certs; join commands.
// One cluster per file, as a scoped layer: it stops after the last test, and when one fails.
import {
  aesGcmOpen,
  caCertHash,
  CryptoError,
  generateCertificateKey,
  jwsDetachedVerify,
  parseCertificate,
  privateKeyFromPem
} from "@kubeadm-ts/join/crypto"
import { createHash } from "node:crypto"
import { execFileSync } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parse } from "yaml"
import { cluster as testCluster, Cluster, type ClusterService, waitFor } from "../src/index.js"
import { anonymous, clusterInfoData, withToken, get } from "./raw.js"

/** A test against the file's cluster; its body may await (the API calls are promises). */
const withCluster = (body: (cluster: ClusterService) => void | Promise<void>) => () =>
  Effect.flatMap(Cluster, (cluster) => Effect.promise(async () => body(cluster)))

const secretData = (cluster: ClusterService, name: string): Record<string, string> =>
  (cluster.get("secrets", "kube-system", name)?.["data"] ?? {}) as Record<string, string>

it.layer(
  testCluster.layer({ address: "127.0.1.7", tokens: [{}, { ttlMs: 0 }], networking: { podSubnet: "10.244.0.0/16" } })
)((it) => {
  describe("cluster-info and the bootstrap signer", () => {
    it.effect(
      "holds the kubeadm-init-shaped kubeconfig and a verifying JWS per signing token",
      withCluster(async (cluster) => {
        const data = await waitFor(async () => {
          const d = await clusterInfoData(anonymous(cluster))
          return cluster.tokens.every((t) => `jws-kubeconfig-${t.split(".")[0]}` in d) ? d : undefined
        })
        const kc = parse(data["kubeconfig"] ?? "") as Record<string, unknown>
        expect(kc).toMatchObject({
          apiVersion: "v1",
          kind: "Config",
          contexts: null,
          users: null,
          "current-context": ""
        })
        const clusters = kc["clusters"] as Array<{ name: string; cluster: Record<string, string> }>
        expect(clusters).toHaveLength(1)
        expect(clusters[0]?.name).toBe("")
        expect(clusters[0]?.cluster["server"]).toBe(cluster.url)
        const ca = Buffer.from(clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64").toString()
        expect(caCertHash(ca)).toBe(cluster.caCertHash)
        for (const token of cluster.tokens) {
          const [id = "", secret = ""] = token.split(".")
          expect(jwsDetachedVerify(data["kubeconfig"] ?? "", data[`jws-kubeconfig-${id}`] ?? "", id, secret)).toBe(true)
        }
      })
    )

    it.effect(
      "the CA hash equals the openssl pipeline",
      withCluster((cluster) => {
        const pub = execFileSync("openssl", ["x509", "-pubkey", "-noout"], { input: cluster.caPem })
        const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "der"], { input: pub })
        expect(cluster.caCertHash).toBe(`sha256:${createHash("sha256").update(der).digest("hex")}`)
      })
    )

    it.effect(
      "a deleted token's JWS entry disappears; a new token's appears",
      withCluster(async (cluster) => {
        const token = cluster.createToken()
        const id = token.split(".")[0] ?? ""
        await waitFor(async () => `jws-kubeconfig-${id}` in (await clusterInfoData(anonymous(cluster))))
        cluster.deleteToken(token)
        await waitFor(async () => !(`jws-kubeconfig-${id}` in (await clusterInfoData(anonymous(cluster)))))
      })
    )

    it.effect(
      "a token with a past expiration never gets a JWS and cannot authenticate",
      withCluster(async (cluster) => {
        const token = cluster.createToken({ ttlMs: 1 })
        const id = token.split(".")[0] ?? ""
        await waitFor(() => cluster.get("secrets", "kube-system", `bootstrap-token-${id}`) === undefined, {
          what: "the token cleaner"
        })
        expect(Object.keys(await clusterInfoData(anonymous(cluster)))).not.toContain(`jws-kubeconfig-${id}`)
        expect((await get(withToken(cluster, token), "/api/v1/nodes")).status).toBe(401)
      })
    )
  })

  describe("kubeadm-config, kubelet-config, kube-proxy", () => {
    it.effect(
      "ClusterConfiguration v1beta2 and ClusterStatus",
      withCluster((cluster) => {
        const data = cluster.get("configmaps", "kube-system", "kubeadm-config")?.["data"] as Record<string, string>
        const cc = parse(data["ClusterConfiguration"] ?? "") as Record<string, unknown>
        expect(cc).toMatchObject({
          apiVersion: "kubeadm.k8s.io/v1beta2",
          kind: "ClusterConfiguration",
          kubernetesVersion: "v1.15.12",
          clusterName: "kubernetes",
          certificatesDir: "/etc/kubernetes/pki",
          imageRepository: "k8s.gcr.io",
          networking: { dnsDomain: "cluster.local", serviceSubnet: "10.96.0.0/12", podSubnet: "10.244.0.0/16" },
          etcd: { local: { dataDir: "/var/lib/etcd" } }
        })
        expect(cc["controlPlaneEndpoint"]).toBeUndefined()
        expect(Object.keys(cc)).toEqual([...Object.keys(cc)].sort())
        const cs = parse(data["ClusterStatus"] ?? "") as Record<string, unknown>
        expect(cs).toEqual({
          apiEndpoints: { "control-plane-1": { advertiseAddress: "127.0.1.7", bindPort: cluster.port } },
          apiVersion: "kubeadm.k8s.io/v1beta2",
          kind: "ClusterStatus"
        })
      })
    )

    it.effect(
      "kubelet-config-1.15 and kube-proxy decode with apiVersion and kind",
      withCluster((cluster) => {
        expect(cluster.kubeletConfigMapNames).toEqual(["kubelet-config-1.15"])
        const kubelet: unknown = parse(
          (cluster.get("configmaps", "kube-system", "kubelet-config-1.15")?.["data"] as Record<string, string>)[
            "kubelet"
          ] ?? ""
        )
        expect(kubelet).toMatchObject({
          apiVersion: "kubelet.config.k8s.io/v1beta1",
          kind: "KubeletConfiguration",
          rotateCertificates: true,
          clusterDNS: ["10.96.0.10"],
          staticPodPath: "/etc/kubernetes/manifests"
        })
        const proxy: unknown = parse(
          (cluster.get("configmaps", "kube-system", "kube-proxy")?.["data"] as Record<string, string>)["config.conf"] ??
            ""
        )
        expect(proxy).toMatchObject({
          apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
          kind: "KubeProxyConfiguration",
          clusterCIDR: "10.244.0.0/16"
        })
      })
    )

    // a second cluster for this test only: the test's scope stops it, whether the test passes or not
    it.scoped(
      "new versions: unversioned kubelet-config too, v1beta3 without ClusterStatus, a controlPlaneEndpoint",
      () =>
        Effect.gen(function* () {
          const c = yield* testCluster.make({
            address: "127.0.1.8",
            keyAlgorithm: "ecdsa-p256",
            kubernetesVersion: "v1.30.2",
            configApiVersion: "v1beta3",
            controlPlaneEndpoint: true,
            uploadCerts: false
          })
          expect(c.kubeletConfigMapNames).toEqual(["kubelet-config-1.30", "kubelet-config"])
          const data = c.get("configmaps", "kube-system", "kubeadm-config")?.["data"] as Record<string, string>
          expect(Object.keys(data)).toEqual(["ClusterConfiguration"])
          expect(parse(data["ClusterConfiguration"] ?? "")).toMatchObject({
            apiVersion: "kubeadm.k8s.io/v1beta3",
            controlPlaneEndpoint: c.endpoint
          })
          expect(
            (yield* Effect.promise(() => get(withToken(c), "/api/v1/namespaces/kube-system/configmaps/kubelet-config")))
              .status
          ).toBe(200)
          expect(c.certificateKey).toBe("")
          expect(c.get("secrets", "kube-system", "kubeadm-certs")).toBeUndefined()
          expect(c.joinCommands.controlPlane).not.toContain("--certificate-key")
        })
    )
  })

  describe("kubeadm-certs", () => {
    it.effect(
      "decrypts with the printed certificate key into the cluster's PKI files; a wrong key fails authentication",
      withCluster(async (cluster) => {
        const r = await get(withToken(cluster), "/api/v1/namespaces/kube-system/secrets/kubeadm-certs")
        expect(r.status).toBe(200)
        const data = (r.body as { data: Record<string, string> }).data
        expect(Object.keys(data).sort()).toEqual([
          "ca.crt",
          "ca.key",
          "etcd-ca.crt",
          "etcd-ca.key",
          "front-proxy-ca.crt",
          "front-proxy-ca.key",
          "sa.key",
          "sa.pub"
        ])
        const open = (k: string, key = cluster.certificateKey) =>
          Buffer.from(aesGcmOpen(key, new Uint8Array(Buffer.from(data[k] ?? "", "base64")))).toString()
        expect(open("ca.crt")).toBe(cluster.pki.ca.certPem)
        expect(parseCertificate(open("etcd-ca.crt")).commonName).toBe("etcd-ca")
        expect(parseCertificate(open("front-proxy-ca.crt")).commonName).toBe("front-proxy-ca")
        expect(open("ca.key")).toContain("-----BEGIN RSA PRIVATE KEY-----")
        expect((await privateKeyFromPem(open("sa.key"))).kind).toBe("rsa")
        expect(open("sa.pub")).toContain("-----BEGIN PUBLIC KEY-----")
        expect(() => open("ca.key", generateCertificateKey())).toThrow(CryptoError)
        expect(() => open("ca.key", generateCertificateKey())).toThrow("cipher: message authentication failed")
      })
    )

    it.effect(
      "is owned by a 2 h proxy token that cannot authenticate; deleting it deletes kubeadm-certs",
      withCluster(async (cluster) => {
        const secret = cluster.get("secrets", "kube-system", "kubeadm-certs")
        const owner = secret?.metadata.ownerReferences?.[0]
        expect(owner).toMatchObject({ apiVersion: "v1", kind: "Secret", controller: true, blockOwnerDeletion: true })
        const proxy = secretData(cluster, owner?.name ?? "")
        expect(Buffer.from(proxy["description"] ?? "", "base64").toString()).toBe(
          "Proxy for managing TTL for the kubeadm-certs secret"
        )
        expect(Object.keys(proxy).filter((k) => k.startsWith("usage-"))).toEqual([])
        const bootstrapRead = await get(
          withToken(cluster),
          "/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + (cluster.token.split(".")[0] ?? "")
        )
        expect(bootstrapRead.status).toBe(403)
        cluster.store.delete("secrets", "kube-system", owner?.name ?? "")
        expect(cluster.get("secrets", "kube-system", "kubeadm-certs")).toBeUndefined()
      })
    )

    it.effect(
      "join command lines",
      withCluster((cluster) => {
        expect(cluster.joinCommands.workerLine).toBe(
          `kubeadm-ts join ${cluster.endpoint} --token ${cluster.token} --discovery-token-ca-cert-hash ${cluster.caCertHash}`
        )
        expect(cluster.joinCommands.controlPlaneLine).toBe(
          `${cluster.joinCommands.workerLine} --control-plane --certificate-key ${cluster.certificateKey}`
        )
      })
    )
  })
})
