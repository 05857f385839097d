/**
 * A man in the middle for cluster-info: the same server URL but the attacker's CA in the
 * kubeconfig. When it knows the tokens it re-signs the JWS (only CA pinning then saves the
 * joining node); otherwise the old signatures no longer match.
 */
import { createCaCertificate, generateKeyPair, jwsDetachedSign, type KeyAlgorithm } from "@kubeadm-ts/join/crypto"
import { clusterInfoKubeconfig } from "../cluster/kubeconfigs.js"
import type { KubeObject } from "../api-server/store.js"

/** An attacker's CA and a rewrite of cluster-info to it, optionally re-signed with known tokens, for the CA-pinning tests. */
export const tamperedClusterInfo = async (algorithm: KeyAlgorithm, server: string) => {
  const attackerCa = await createCaCertificate(
    await generateKeyPair(algorithm === "ecdsa-p256" ? "ecdsa-p256" : "rsa-2048"),
    { commonName: "kubernetes" }
  )
  const kubeconfig = clusterInfoKubeconfig(server, attackerCa)
  return {
    attackerCaPem: attackerCa,
    rewrite: (body: unknown, tokens: ReadonlyArray<string>): unknown => {
      const o = structuredClone(body) as KubeObject
      const data: Record<string, string> = { ...((o["data"] ?? {}) as Record<string, string>), kubeconfig }
      for (const t of tokens) {
        const [id = "", secret = ""] = t.split(".")
        if (`jws-kubeconfig-${id}` in data) data[`jws-kubeconfig-${id}`] = jwsDetachedSign(kubeconfig, id, secret)
      }
      o["data"] = data
      return o
    }
  }
}
