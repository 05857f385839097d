/** PKCS#10 certificate requests: create (as the kubelet / kubeadm do) and inspect. */
import { causeText } from "../cause-text.js"
import { CryptoError } from "./errors.js"
import type { KeyPair } from "./keys.js"
import { signingAlgorithm } from "./keys.js"
import {
  type AltNames,
  type ParsedAltNames,
  readAltNames,
  sanExtension,
  sanOf,
  type SubjectSpec,
  subjectName
} from "./names.js"
import { x509 } from "../internal/crypto/provider.js"

/** The subject and SANs of a certificate signing request. */
export interface CsrSpec extends SubjectSpec, AltNames {}

/** PEM `CERTIFICATE REQUEST` signed with the key pair. No extension request when there are no SANs (as Go). */
export const createCsr = async (keys: KeyPair, spec: CsrSpec): Promise<string> => {
  try {
    const san = sanExtension(spec)
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: subjectName(spec),
      keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
      signingAlgorithm: signingAlgorithm(keys),
      ...(san ? { extensions: [san] } : {})
    })
    return csr.toString("pem") + "\n"
  } catch (cause) {
    throw new CryptoError({
      reason: "CertificateCreate",
      detail: `cannot create the certificate request: ${causeText(cause)}`,
      cause
    })
  }
}

/** What a CSR asks for, as the in-process TLS bootstrap checks it before submitting. */
export interface CsrInfo extends ParsedAltNames {
  readonly commonName: string
  readonly organizations: ReadonlyArray<string>
  /** DER SubjectPublicKeyInfo of the requested key. */
  readonly spki: Uint8Array
  readonly keyKind: "ecdsa" | "rsa" | "other"
  /** Whether the request is signed by the key it carries. */
  readonly signatureValid: boolean
  /** The parsed request, for signing. */
  readonly request: x509.Pkcs10CertificateRequest
}

/** Reads a PEM `CERTIFICATE REQUEST`; a malformed one is a CryptoError. */
export const parseCsr = async (pem: string): Promise<CsrInfo> => {
  let csr: x509.Pkcs10CertificateRequest
  try {
    csr = new x509.Pkcs10CertificateRequest(pem)
  } catch (cause) {
    throw new CryptoError({
      reason: "CertificateParse",
      detail: `cannot parse the certificate request: ${causeText(cause)}`,
      cause
    })
  }
  const alg = csr.publicKey.algorithm.name
  return {
    commonName: csr.subjectName.getField("CN")[0] ?? "",
    organizations: csr.subjectName.getField("O"),
    ...readAltNames(sanOf(csr.extensions)),
    spki: new Uint8Array(csr.publicKey.rawData),
    keyKind: alg === "ECDSA" ? "ecdsa" : alg.startsWith("RSA") ? "rsa" : "other",
    signatureValid: await csr.verify().catch(() => false),
    request: csr
  }
}
