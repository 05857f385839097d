/**
 * Mapping between client-node's objects and the plain shapes the join uses: only the fields
 * read, optional ones only when set, PEM text instead of base64.
 */
import type { CertificateSigningRequest, CsrInput, Node } from "../../kube-api/kube-api.js"
import type { ClientNode } from "./load.js"

type V1Node = InstanceType<ClientNode["V1Node"]>
type V1CertificateSigningRequest = InstanceType<ClientNode["V1CertificateSigningRequest"]>
/** A CSR as read back: client-node types it as v1, where signerName is required, but a v1beta1 server may leave it out. */
type ReadCsr = Omit<V1CertificateSigningRequest, "spec"> & {
  readonly spec: Omit<V1CertificateSigningRequest["spec"], "signerName"> & { readonly signerName?: string }
}

/** Text to base64. */
export const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64")
/** base64 to text. */
export const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8")

/** The generated client's objects use Date for timestamps etc.; keep the plain shapes we use. */
export const asMeta = (
  m:
    | {
        name?: string
        namespace?: string
        resourceVersion?: string
        labels?: Record<string, string>
        annotations?: Record<string, string>
        generateName?: string
      }
    | undefined
) => ({
  name: m?.name ?? "",
  ...(m?.namespace !== undefined ? { namespace: m.namespace } : {}),
  ...(m?.generateName !== undefined ? { generateName: m.generateName } : {}),
  ...(m?.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
  ...(m?.labels !== undefined ? { labels: m.labels } : {}),
  ...(m?.annotations !== undefined ? { annotations: m.annotations } : {})
})

/** Node and CSR conditions: the fields we read, optional ones only when set. */
const asConditions = (
  conditions: ReadonlyArray<{ type: string; status: string; reason?: string; message?: string }> | undefined
) =>
  (conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.message !== undefined ? { message: c.message } : {})
  }))

/** A Node: metadata, taints, conditions. */
export const asNode = (n: V1Node): Node => ({
  metadata: asMeta(n.metadata),
  spec: {
    taints: (n.spec?.taints ?? []).map((t) => ({
      key: t.key,
      effect: t.effect,
      ...(t.value !== undefined ? { value: t.value } : {})
    }))
  },
  status: {
    conditions: asConditions(n.status?.conditions)
  }
})

/** A CSR of either version, from the typed client or from a watch event's JSON (v1beta1 may lack signerName). */
export const asCsr = (c: ReadCsr): CertificateSigningRequest => ({
  metadata: asMeta(c.metadata),
  spec: {
    request: unb64(c.spec.request),
    signerName: c.spec.signerName ?? "",
    usages: c.spec.usages ?? [],
    ...(c.spec.expirationSeconds !== undefined ? { expirationSeconds: c.spec.expirationSeconds } : {})
  },
  status: {
    conditions: asConditions(c.status?.conditions),
    ...(c.status?.certificate ? { certificate: unb64(c.status.certificate) } : {})
  }
})

/** The object a CSR is submitted as (spec 6.4 step 2). */
export const csrBody = (csr: CsrInput): V1CertificateSigningRequest => ({
  apiVersion: `certificates.k8s.io/${csr.apiVersion ?? "v1"}`,
  kind: "CertificateSigningRequest",
  metadata: { generateName: csr.generateName },
  spec: { request: b64(csr.request), signerName: csr.signerName, usages: [...csr.usages] }
})

const V1_PATH = "/apis/certificates.k8s.io/v1/"

/** Where the CSRs of a version are served. */
export const csrPath = (apiVersion: CsrInput["apiVersion"] = "v1") =>
  `/apis/certificates.k8s.io/${apiVersion}/certificatesigningrequests`

/**
 * client-node 1.x only has certificates.k8s.io/v1 (v1beta1 was removed in 1.22), while the
 * clusters before 1.19 serve only v1beta1: the v1 request is re-addressed, and its body loses
 * the signerName those API servers do not know. The answer has v1's shape.
 */
export const toV1beta1 = <B>(url: string, body: B): { readonly url: string; readonly body: B | string } => {
  const rewritten = url.replace(V1_PATH, "/apis/certificates.k8s.io/v1beta1/")
  if (typeof body !== "string" || body === "") return { url: rewritten, body }
  const parsed = JSON.parse(body) as { apiVersion?: string; spec?: { signerName?: string } }
  const { signerName: _dropped, ...spec } = parsed.spec ?? {}
  return {
    url: rewritten,
    body: JSON.stringify({ ...parsed, apiVersion: "certificates.k8s.io/v1beta1", ...(parsed.spec ? { spec } : {}) })
  }
}
