/**
 * X.509 certificates as kubeadm makes them: self-signed CAs (10 years, keyCertSign, CA:true)
 * and leaves signed by a CA (server/client extended usages, SANs, AKI). Plus parsing helpers.
 */
import { causeText } from "../cause-text.js"
import { CryptoError } from "./errors.js"
import { type KeyPair, publicKeySpki, signingAlgorithm } from "./keys.js"
import {
  type AltNames,
  type ParsedAltNames,
  readAltNames,
  sanExtension,
  sanOf,
  type SubjectSpec,
  subjectName
} from "./names.js"
import { parsePemBlocks } from "./pem.js"
import { x509 } from "../internal/crypto/provider.js"

/** The key usages kubeadm's certificates carry, named as in Go's x509. */
export type KeyUsage =
  | "digitalSignature"
  | "keyEncipherment"
  | "certSign"
  | "crlSign"
  | "keyAgreement"
  | "contentCommitment"
  | "dataEncipherment"
/** The extended key usages kubeadm issues: TLS server or TLS client. */
export type ExtKeyUsage = "server" | "client"

const KEY_USAGE_FLAGS: Record<KeyUsage, x509.KeyUsageFlags> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  certSign: x509.KeyUsageFlags.keyCertSign,
  crlSign: x509.KeyUsageFlags.cRLSign,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  contentCommitment: x509.KeyUsageFlags.nonRepudiation,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment
}
const EKU_OIDS: Record<ExtKeyUsage, string> = {
  server: x509.ExtendedKeyUsage.serverAuth,
  client: x509.ExtendedKeyUsage.clientAuth
}

const YEAR_MS = 365 * 24 * 3600 * 1000
/** kubeadm's CA lifetime (10 years) and leaf lifetime (1 year). */
export const CA_VALIDITY_MS = 10 * YEAR_MS
/** How long a leaf certificate issued here is valid (kubeadm: one year). */
export const LEAF_VALIDITY_MS = YEAR_MS

/** A random positive 63-bit-ish serial, hex (x509 wants hex). */
const randomSerial = (): string => {
  const b = crypto.getRandomValues(new Uint8Array(8))
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01
  return Buffer.from(b).toString("hex")
}

const pemOf = (cert: x509.X509Certificate): string => cert.toString("pem") + "\n"

/** The subject and validity of a self-signed CA certificate. */
export interface CaSpec extends SubjectSpec {
  readonly notBefore?: Date
  readonly notAfter?: Date
}

/** A self-signed CA certificate (PEM) for the key pair. */
export const createCaCertificate = async (keys: KeyPair, spec: CaSpec): Promise<string> => {
  try {
    const now = new Date()
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: subjectName(spec),
      notBefore: spec.notBefore ?? now,
      notAfter: spec.notAfter ?? new Date(now.getTime() + CA_VALIDITY_MS),
      keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
      signingAlgorithm: signingAlgorithm(keys),
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign,
          true
        ),
        new x509.BasicConstraintsExtension(true, undefined, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
      ]
    })
    return pemOf(cert)
  } catch (cause) {
    throw new CryptoError({
      reason: "CertificateCreate",
      detail: `cannot create the CA certificate "${spec.commonName}": ${causeText(cause)}`,
      cause
    })
  }
}

/** What a leaf certificate signed by a CA holds: subject, SANs, usages and validity. */
export interface LeafSpec extends SubjectSpec, AltNames {
  /** Default: digitalSignature + keyEncipherment (kubeadm's leaves). */
  readonly keyUsages?: ReadonlyArray<KeyUsage>
  readonly extKeyUsages?: ReadonlyArray<ExtKeyUsage>
  /** Default: the issuer's notBefore, as kubeadm does. */
  readonly notBefore?: Date
  /** Default: now + 1 year. */
  readonly notAfter?: Date
}

/** The CA that signs a leaf: its certificate and key pair. */
export interface Issuer {
  readonly certPem: string
  readonly keys: KeyPair
}

/**
 * The issuer's own Subject Key Identifier, as Go's x509 copies it: verifiers (OpenSSL among
 * them) look the issuer up by it, and CAs made by other tools compute it their own way (Go
 * 1.25+, which builds kubeadm: truncated SHA-256). Computed from the key only for a CA without one.
 */
const authorityKeyIdentifier = (ca: x509.X509Certificate, publicKey: CryptoKey) => {
  const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension)
  return ski
    ? Promise.resolve(new x509.AuthorityKeyIdentifierExtension(ski.keyId))
    : x509.AuthorityKeyIdentifierExtension.create(publicKey)
}

/** A leaf certificate (PEM) for `publicKey` (a CryptoKey or DER SPKI), signed by the issuer CA. */
export const createCertificate = async (
  publicKey: CryptoKey | Uint8Array,
  spec: LeafSpec,
  issuer: Issuer
): Promise<string> => {
  try {
    const ca = new x509.X509Certificate(issuer.certPem)
    const pub = publicKey instanceof Uint8Array ? new x509.PublicKey(new Uint8Array(publicKey)) : publicKey
    const usages = (spec.keyUsages ?? ["digitalSignature", "keyEncipherment"]).reduce(
      (acc, u) => acc | KEY_USAGE_FLAGS[u],
      0
    )
    const san = sanExtension(spec)
    const extensions: Array<x509.Extension> = [
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- a bitmask of several KeyUsageFlags is no single member, yet it is what the extension encodes
      new x509.KeyUsagesExtension(usages, true),
      new x509.BasicConstraintsExtension(false, undefined, true),
      await authorityKeyIdentifier(ca, issuer.keys.publicKey)
    ]
    if (spec.extKeyUsages && spec.extKeyUsages.length > 0)
      extensions.push(new x509.ExtendedKeyUsageExtension(spec.extKeyUsages.map((u) => EKU_OIDS[u])))
    if (san) extensions.push(san)
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: subjectName(spec),
      issuer: ca.subjectName,
      notBefore: spec.notBefore ?? ca.notBefore,
      notAfter: spec.notAfter ?? new Date(Date.now() + LEAF_VALIDITY_MS),
      publicKey: pub,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: signingAlgorithm(issuer.keys),
      extensions
    })
    return pemOf(cert)
  } catch (cause) {
    throw new CryptoError({
      reason: "CertificateCreate",
      detail: `cannot create the certificate "${spec.commonName}": ${causeText(cause)}`,
      cause
    })
  }
}

/** What the join reads back from a certificate to decide whether an existing file can be reused. */
export interface CertificateInfo extends ParsedAltNames {
  readonly commonName: string
  readonly organizations: ReadonlyArray<string>
  readonly issuerCommonName: string
  readonly serialNumber: string
  readonly notBefore: Date
  readonly notAfter: Date
  readonly isCA: boolean
  readonly keyUsages: ReadonlyArray<KeyUsage>
  /** `"server"` / `"client"` (see ExtKeyUsage), or the dotted OID of any other purpose. */
  readonly extKeyUsages: ReadonlyArray<string>
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array
  /** DER of the whole certificate. */
  readonly der: Uint8Array
}

const infoOf = (cert: x509.X509Certificate): CertificateInfo => {
  const ku = cert.getExtension(x509.KeyUsagesExtension)
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)
  const bc = cert.getExtension(x509.BasicConstraintsExtension)
  const keyUsages = (Object.keys(KEY_USAGE_FLAGS) as Array<KeyUsage>).filter(
    (u) => ku !== null && (ku.usages & KEY_USAGE_FLAGS[u]) !== 0
  )
  const ekuNames = Object.fromEntries(Object.entries(EKU_OIDS).map(([k, v]) => [v, k]))
  return {
    commonName: cert.subjectName.getField("CN")[0] ?? "",
    organizations: cert.subjectName.getField("O"),
    issuerCommonName: cert.issuerName.getField("CN")[0] ?? "",
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCA: bc?.ca ?? false,
    keyUsages,
    extKeyUsages: (eku?.usages ?? []).map((u) => ekuNames[String(u)] ?? String(u)),
    ...readAltNames(sanOf(cert.extensions)),
    spki: new Uint8Array(cert.publicKey.rawData),
    der: new Uint8Array(cert.rawData)
  }
}

const parseOne = (pemOrDer: string | Uint8Array): x509.X509Certificate => {
  try {
    return new x509.X509Certificate(typeof pemOrDer === "string" ? pemOrDer : new Uint8Array(pemOrDer))
  } catch (cause) {
    throw new CryptoError({
      reason: "CertificateParse",
      detail: `cannot parse the certificate: ${causeText(cause)}`,
      cause
    })
  }
}

/** Every certificate in a PEM bundle; fails when there is none or one does not parse. */
export const parseCertificates = (pem: string): ReadonlyArray<CertificateInfo> => {
  const blocks = parsePemBlocks(pem).filter((b) => b.type === "CERTIFICATE")
  if (blocks.length === 0)
    throw new CryptoError({ reason: "CertificateParse", detail: "no CERTIFICATE PEM block found" })
  return blocks.map((b) => infoOf(parseOne(b.der)))
}

/** The first certificate of a PEM text. */
export const parseCertificate = (pem: string): CertificateInfo => parseCertificates(pem)[0] as CertificateInfo

/** Whether the certificate certifies the public half of this key pair. */
export const certificateMatchesKey = async (certPem: string, keys: KeyPair): Promise<boolean> =>
  Buffer.from(parseCertificate(certPem).spki).equals(Buffer.from(await publicKeySpki(keys.publicKey)))

/** Whether `certPem` is signed by `caPem`'s key and valid at `at` (default now). */
export const verifyCertificate = async (certPem: string, caPem: string, at: Date = new Date()): Promise<boolean> => {
  const cert = parseOne(parsePemBlocks(certPem).find((b) => b.type === "CERTIFICATE")?.der ?? certPem)
  const ca = parseOne(parsePemBlocks(caPem).find((b) => b.type === "CERTIFICATE")?.der ?? caPem)
  if (at < cert.notBefore || at > cert.notAfter) return false
  return cert.verify({ publicKey: ca.publicKey, signatureOnly: true }).catch(() => false)
}
