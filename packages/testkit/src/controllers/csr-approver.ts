/**
 * The CSR approver (kube-controller-manager csrapproving, spec 6.4): approves kubelet client
 * CSRs — O exactly [system:nodes], CN system:node:<name>, no SANs, usages {digital signature,
 * client auth} plus optionally key encipherment — when the requester may create
 * `certificatesigningrequests/nodeclient` (bootstrap) or `.../selfnodeclient` (own renewals).
 */
import { parseCsr } from "@kubeadm-ts/join/crypto"
import type { UserInfo } from "../auth/authentication.js"
import { authorize } from "../auth/authorization.js"
import type { KubeObject, StoreEvent } from "../api-server/store.js"
import { Controller } from "./controller.js"

const CSR = "certificatesigningrequests.certificates.k8s.io"
const KUBELET_CLIENT_SIGNERS = new Set(["kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/legacy-unknown"])

type Condition = { type: string; status?: string; reason?: string; message?: string; lastUpdateTime?: string }

const conditionsOf = (o: KubeObject): Condition[] =>
  ((o["status"] ?? {}) as { conditions?: Condition[] }).conditions ?? []

/** Whether a CSR has the shape of a kubelet client certificate request, and the node it names. */
export const isNodeClientCsr = async (o: KubeObject): Promise<{ ok: boolean; nodeName: string }> => {
  const spec = (o["spec"] ?? {}) as { request?: string; usages?: string[]; signerName?: string }
  if (!KUBELET_CLIENT_SIGNERS.has(spec.signerName ?? "")) return { ok: false, nodeName: "" }
  const info = await parseCsr(Buffer.from(spec.request ?? "", "base64").toString("utf8")).catch(() => undefined)
  if (!info) return { ok: false, nodeName: "" }
  const usages = new Set(spec.usages ?? [])
  const usagesOk =
    usages.has("digital signature") &&
    usages.has("client auth") &&
    [...usages].every((u) => u === "digital signature" || u === "client auth" || u === "key encipherment")
  const ok =
    info.organizations.length === 1 &&
    info.organizations[0] === "system:nodes" &&
    info.commonName.startsWith("system:node:") &&
    info.dnsNames.length === 0 &&
    info.ipAddresses.length === 0 &&
    info.emailAddresses.length === 0 &&
    info.uris.length === 0 &&
    usagesOk
  return { ok, nodeName: info.commonName.slice("system:node:".length) }
}

/** Approves pending kubelet client CSRs whose requester may create `nodeclient` (or `selfnodeclient` for its own node), as kube-controller-manager does. */
export class CsrApprover extends Controller {
  protected interested(resource: string, _ns: string | undefined, _name: string | undefined, e: StoreEvent): boolean {
    return resource === CSR && e.type !== "DELETED"
  }

  protected async reconcile(): Promise<void> {
    for (const csr of this.store.list(CSR)) {
      if (conditionsOf(csr).length > 0) continue
      const { ok } = await isNodeClientCsr(csr)
      if (!ok) continue
      const spec = (csr["spec"] ?? {}) as { username?: string; groups?: string[]; request?: string }
      const requester: UserInfo = { name: spec.username ?? "", groups: spec.groups ?? [], via: "bootstrap-token" }
      const cn = (await parseCsr(Buffer.from(spec.request ?? "", "base64").toString("utf8"))).commonName
      const self = cn === requester.name
      const subresource = self ? "selfnodeclient" : "nodeclient"
      if (
        !authorize(this.store, requester, {
          verb: "create",
          group: "certificates.k8s.io",
          resource: "certificatesigningrequests",
          subresource
        })
      )
        continue
      const current = this.store.get(CSR, undefined, csr.metadata.name ?? "")
      if (!current || conditionsOf(current).length > 0) continue
      const condition: Condition = {
        type: "Approved",
        status: "True",
        reason: "AutoApproved",
        message: self
          ? "Auto approving self kubelet client certificate after SubjectAccessReview."
          : "Auto approving kubelet client certificate after SubjectAccessReview.",
        lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, "Z")
      }
      this.store.update(CSR, { ...current, status: { ...(current["status"] ?? {}), conditions: [condition] } })
    }
  }
}
