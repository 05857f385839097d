/**
 * The CSR signer: issues approved CSRs with the cluster CA (1 year, capped at the CA's own end),
 * key usages and extended usages taken from `spec.usages`, into `status.certificate`.
 */
import {
  createCertificate,
  type ExtKeyUsage,
  type Issuer,
  type KeyUsage,
  LEAF_VALIDITY_MS,
  parseCertificate,
  parseCsr
} from "@kubeadm-ts/join/crypto"
import type { KubeObject, StoreEvent } from "../api-server/store.js"
import { Controller } from "./controller.js"
import type { Store } from "../api-server/store.js"

const CSR = "certificatesigningrequests.certificates.k8s.io"
const SIGNERS = new Set([
  "kubernetes.io/kube-apiserver-client-kubelet",
  "kubernetes.io/kube-apiserver-client",
  "kubernetes.io/kubelet-serving",
  "kubernetes.io/legacy-unknown"
])

const KEY_USAGES: Record<string, KeyUsage> = {
  "digital signature": "digitalSignature",
  "key encipherment": "keyEncipherment",
  "cert sign": "certSign",
  "crl sign": "crlSign",
  "key agreement": "keyAgreement",
  "content commitment": "contentCommitment",
  "data encipherment": "dataEncipherment"
}
const EXT_USAGES: Record<string, ExtKeyUsage> = { "client auth": "client", "server auth": "server" }

type Condition = { type: string }

/** Signs approved CSRs of the known signers with `issuer` (the cluster CA). */
export class CsrSigner extends Controller {
  constructor(
    store: Store,
    private readonly issuer: Issuer
  ) {
    super(store)
  }

  protected interested(resource: string, _ns: string | undefined, _name: string | undefined, e: StoreEvent): boolean {
    return resource === CSR && e.type !== "DELETED"
  }

  private async sign(csr: KubeObject): Promise<string> {
    const spec = (csr["spec"] ?? {}) as { request?: string; usages?: string[] }
    const info = await parseCsr(Buffer.from(spec.request ?? "", "base64").toString("utf8"))
    const usages = spec.usages ?? []
    const caEnd = parseCertificate(this.issuer.certPem).notAfter.getTime()
    return createCertificate(
      info.spki,
      {
        commonName: info.commonName,
        organizations: info.organizations,
        dnsNames: info.dnsNames,
        ipAddresses: info.ipAddresses,
        keyUsages: usages.flatMap((u) => (KEY_USAGES[u] ? [KEY_USAGES[u]] : [])),
        extKeyUsages: usages.flatMap((u) => (EXT_USAGES[u] ? [EXT_USAGES[u]] : [])),
        notBefore: new Date(Date.now() - 5 * 60_000),
        notAfter: new Date(Math.min(Date.now() + LEAF_VALIDITY_MS, caEnd))
      },
      this.issuer
    )
  }

  protected async reconcile(): Promise<void> {
    for (const csr of this.store.list(CSR)) {
      const status = (csr["status"] ?? {}) as { conditions?: Condition[]; certificate?: string }
      const types = (status.conditions ?? []).map((c) => c.type)
      if (status.certificate || !types.includes("Approved") || types.includes("Denied") || types.includes("Failed"))
        continue
      if (!SIGNERS.has(String(((csr["spec"] ?? {}) as { signerName?: string }).signerName))) continue
      const pem = await this.sign(csr)
      const current = this.store.get(CSR, undefined, csr.metadata.name ?? "")
      if (!current) continue
      const st = (current["status"] ?? {}) as Record<string, unknown>
      if (st["certificate"]) continue
      this.store.update(CSR, { ...current, status: { ...st, certificate: Buffer.from(pem).toString("base64") } })
    }
  }
}
