/**
 * The bootstrap signer (spec 5.3): keeps one `jws-kubeconfig-<id>` entry in
 * `kube-public/cluster-info` per valid signing token, computed over the current `kubeconfig`,
 * and removes entries whose token expired or disappeared. Updates only when something changed.
 */
import { jwsDetachedSign } from "@kubeadm-ts/join/crypto"
import { secretValue, tokenExpired } from "../auth/authentication.js"
import type { Store } from "../api-server/store.js"
import { Controller } from "./controller.js"

const TOKEN_NAME = /^bootstrap-token-([a-z0-9]{6})$/

/** The JWS entries cluster-info should have right now. */
export const desiredSignatures = (store: Store, kubeconfig: string, now = Date.now()): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const s of store.list("secrets", "kube-system")) {
    const m = TOKEN_NAME.exec(s.metadata.name ?? "")
    if (!m || s["type"] !== "bootstrap.kubernetes.io/token" || s.metadata.deletionTimestamp) continue
    const data = s["data"] as Record<string, string> | undefined
    const id = secretValue(data, "token-id")
    const secret = secretValue(data, "token-secret")
    if (!id || id !== m[1] || !secret || tokenExpired(data, now)) continue
    if (secretValue(data, "usage-bootstrap-signing") !== "true") continue
    const key = `jws-kubeconfig-${id}`
    if (!(key in out)) out[key] = jwsDetachedSign(kubeconfig, id, secret)
  }
  return out
}

/** Keeps cluster-info's JWS entries equal to desiredSignatures when token Secrets or cluster-info change. */
export class BootstrapSigner extends Controller {
  protected interested(resource: string, namespace: string | undefined, name: string | undefined): boolean {
    return (
      (resource === "secrets" && namespace === "kube-system") ||
      (resource === "configmaps" && namespace === "kube-public" && name === "cluster-info")
    )
  }

  protected reconcile(): void {
    const cm = this.store.get("configmaps", "kube-public", "cluster-info")
    const data = (cm?.["data"] ?? {}) as Record<string, string>
    if (!cm || !data["kubeconfig"]) return
    const want = desiredSignatures(this.store, data["kubeconfig"])
    const next: Record<string, string> = {}
    for (const [k, v] of Object.entries(data)) if (!k.startsWith("jws-kubeconfig-")) next[k] = v
    Object.assign(next, want)
    const same =
      Object.keys(next).length === Object.keys(data).length && Object.entries(next).every(([k, v]) => data[k] === v)
    if (!same) this.store.update("configmaps", { ...cm, data: next })
  }
}
