/** The token cleaner: deletes expired bootstrap token Secrets at their expiration (which drops their JWS entries). */
import { secretValue, tokenExpired } from "../auth/authentication.js"
import { StoreError } from "../api-server/store.js"
import { Controller } from "./controller.js"

/** Deletes expired bootstrap token Secrets, waking up at the next expiration. */
export class TokenCleaner extends Controller {
  protected interested(resource: string, namespace: string | undefined): boolean {
    return resource === "secrets" && namespace === "kube-system"
  }

  protected reconcile(): void {
    let next: number | undefined
    for (const s of this.store.list("secrets", "kube-system")) {
      if (s["type"] !== "bootstrap.kubernetes.io/token") continue
      const data = s["data"] as Record<string, string> | undefined
      if (tokenExpired(data)) {
        try {
          this.store.delete("secrets", "kube-system", s.metadata.name ?? "")
        } catch (e) {
          if (!(e instanceof StoreError)) throw e
        }
        continue
      }
      const exp = Date.parse(secretValue(data, "expiration") ?? "")
      if (!Number.isNaN(exp)) next = next === undefined ? exp : Math.min(next, exp)
    }
    this.wakeAt(next)
  }
}
