/**
 * Authentication as the kube-apiserver does it for a kubeadm cluster: client certificates
 * verified against the cluster CA (CN = user, O = groups), bootstrap tokens (spec 5.2), and
 * anonymous requests. Returns undefined for "credentials given but not valid" (401).
 */
import { TLSSocket, type PeerCertificate } from "node:tls"
import type { IncomingMessage } from "node:http"
import { constantTimeEqual } from "@kubeadm-ts/join/crypto"
import type { Store } from "../api-server/store.js"

/** Who a request is: what authorization, audit entries and CSR admission use. */
export interface UserInfo {
  readonly name: string
  readonly groups: ReadonlyArray<string>
  /** How the user authenticated, for the audit log. */
  readonly via: "anonymous" | "bootstrap-token" | "client-certificate"
}

/** The user of a request that sent no credentials at all. */
export const ANONYMOUS: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"], via: "anonymous" }

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/

/** Secret `data` values are base64 on the wire and in the store. */
export const secretValue = (data: Record<string, string> | undefined, key: string): string | undefined => {
  const v = data?.[key]
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8")
}

/** Expired when `expiration` is present and unparsable or in the past (spec 5.2 step 5). */
export const tokenExpired = (data: Record<string, string> | undefined, now = Date.now()): boolean => {
  const exp = secretValue(data, "expiration")
  if (exp === undefined) return false
  const t = Date.parse(exp)
  return Number.isNaN(t) || now > t
}

/** The `system:bootstrap:<id>` user of a valid, unexpired authentication token, or undefined (401). */
export const authenticateBootstrapToken = (store: Store, token: string): UserInfo | undefined => {
  const m = TOKEN.exec(token)
  if (!m) return undefined
  const [, id = "", secret = ""] = m
  const s = store.get("secrets", "kube-system", `bootstrap-token-${id}`)
  if (!s || s.metadata.deletionTimestamp || s["type"] !== "bootstrap.kubernetes.io/token") return undefined
  const data = s["data"] as Record<string, string> | undefined
  if (!data) return undefined
  if (!constantTimeEqual(secretValue(data, "token-secret") ?? "", secret)) return undefined
  if (secretValue(data, "token-id") !== id) return undefined
  if (tokenExpired(data)) return undefined
  if (secretValue(data, "usage-bootstrap-authentication") !== "true") return undefined
  const extra = (secretValue(data, "auth-extra-groups") ?? "")
    .split(",")
    .map((g) => g.trim())
    .filter((g) => g.length > 0)
  if (extra.some((g) => !EXTRA_GROUP.test(g))) return undefined
  const groups = [...new Set(["system:bootstrappers", ...extra])].sort()
  return { name: `system:bootstrap:${id}`, groups: [...groups, "system:authenticated"], via: "bootstrap-token" }
}

// null once the socket is destroyed, which the type of getPeerCertificate does not say
const peerCertificate = (socket: TLSSocket): PeerCertificate | null => socket.getPeerCertificate()

/** Client certificate first, then a bearer token, else anonymous; undefined when the credentials sent are not valid (401). */
export const authenticate = (store: Store, req: IncomingMessage): UserInfo | undefined => {
  const socket = req.socket instanceof TLSSocket ? req.socket : undefined
  // the TLS layer already checked the chain against the cluster CA (requestCert, rejectUnauthorized off)
  if (socket?.authorized === true) {
    const peer = peerCertificate(socket)
    // like the API server's x509 authenticator: the certificate must allow client authentication
    const eku = peer?.ext_key_usage
    if (peer && eku !== undefined && !eku.includes("1.3.6.1.5.5.7.3.2")) return undefined
    if (peer) {
      const cn = peer.subject.CN
      const o = peer.subject.O
      const groups = (Array.isArray(o) ? o : o ? [o] : []).filter((g) => g !== "system:authenticated")
      const name = Array.isArray(cn) ? (cn[0] ?? "") : (cn ?? "")
      return { name, groups: [...groups, "system:authenticated"], via: "client-certificate" }
    }
  }
  const auth = req.headers.authorization
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    return m ? authenticateBootstrapToken(store, m[1] ?? "") : undefined
  }
  // a client certificate that did not verify is a failed authentication, not anonymous
  const peer = socket === undefined ? null : peerCertificate(socket)
  if (peer && Object.keys(peer).length > 0 && socket?.authorized !== true) return undefined
  return ANONYMOUS
}
