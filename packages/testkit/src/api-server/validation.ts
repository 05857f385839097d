/** The subset of API validation join-related clients can trip over; failures are 422 Invalid. */
import { parseCsr } from "@kubeadm-ts/join/crypto"
import type { ResourceType } from "./resources.js"
import type { KubeObject } from "./store.js"

/** One failed rule, reported in the 422 body's `causes` and message. */
export interface FieldError {
  readonly field: string
  readonly message: string
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
/** RBAC and CSR names may hold colons (system:node:x); Kubernetes only forbids "/" and "%" there. */
const PATH_SEGMENT = /^[^/%]+$/
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/

const KNOWN_USAGES = new Set([
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc"
])

const nameRule = (t: ResourceType): RegExp =>
  t.group === "rbac.authorization.k8s.io" || t.plural === "certificatesigningrequests" ? PATH_SEGMENT : DNS_SUBDOMAIN

/** The rule violations of an object about to be stored; empty when it may be stored. */
export const validate = async (t: ResourceType, version: string, o: KubeObject): Promise<FieldError[]> => {
  const errors: FieldError[] = []
  const name = o.metadata.name ?? ""
  if (name === "") errors.push({ field: "metadata.name", message: "Required value: name or generateName is required" })
  else if (name.length > 253 || !nameRule(t).test(name))
    errors.push({
      field: "metadata.name",
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`
    })
  if (t.plural === "configmaps" || t.plural === "secrets") {
    for (const section of ["data", "binaryData", "stringData"]) {
      const d = o[section]
      if (d === undefined || d === null) continue
      if (typeof d !== "object") errors.push({ field: section, message: "Invalid value: must be a map" })
      else
        for (const [k, v] of Object.entries(d as Record<string, unknown>)) {
          if (!CONFIG_KEY.test(k))
            errors.push({
              field: `${section}[${k}]`,
              message: `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`
            })
          if (typeof v !== "string")
            errors.push({ field: `${section}[${k}]`, message: "Invalid value: must be a string" })
          else if (t.plural === "secrets" && section === "data" && !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
            errors.push({ field: `${section}[${k}]`, message: "Invalid value: illegal base64 data" })
        }
    }
  }
  if (t.plural === "certificatesigningrequests") {
    const spec = (o["spec"] ?? {}) as Record<string, unknown>
    const request = typeof spec["request"] === "string" ? Buffer.from(spec["request"], "base64").toString("utf8") : ""
    if (request === "") errors.push({ field: "spec.request", message: "Required value" })
    else {
      const parsed = await parseCsr(request).catch(() => undefined)
      if (!parsed || !parsed.signatureValid)
        errors.push({ field: "spec.request", message: "Invalid value: []byte{...}: invalid certificate request" })
    }
    const usages = spec["usages"]
    if (!Array.isArray(usages) || usages.length === 0) errors.push({ field: "spec.usages", message: "Required value" })
    else
      for (const u of usages)
        if (!KNOWN_USAGES.has(String(u)))
          errors.push({ field: "spec.usages", message: `Unsupported value: "${String(u)}"` })
    if (version === "v1" && !spec["signerName"]) errors.push({ field: "spec.signerName", message: "Required value" })
  }
  return errors
}
