/** Subject names and SAN lists in the shape Go's crypto/x509 produces (O before CN, one RDN per attribute type). */
import { x509 } from "../internal/crypto/provider.js"

/** The subject of a certificate or CSR: kubeadm sets only CN and O (O carries the Kubernetes groups). */
export interface SubjectSpec {
  readonly commonName: string
  readonly organizations?: ReadonlyArray<string> | undefined
}

/** Subject alternative names to put in a certificate or CSR. */
export interface AltNames {
  readonly dnsNames?: ReadonlyArray<string> | undefined
  readonly ipAddresses?: ReadonlyArray<string> | undefined
}

/** The subject as x509's JSON name, O before CN as Go orders them. */
export const subjectName = (s: SubjectSpec): x509.JsonName => {
  const name: x509.JsonName = []
  if (s.organizations && s.organizations.length > 0) name.push({ O: [...s.organizations] })
  name.push({ CN: [s.commonName] })
  return name
}

/** The SAN extension for the given names, or undefined when there are none (Go then omits it). */
export const sanExtension = (alt: AltNames): x509.SubjectAlternativeNameExtension | undefined => {
  const names: x509.JsonGeneralNames = [
    ...(alt.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(alt.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value }))
  ]
  return names.length > 0 ? new x509.SubjectAlternativeNameExtension(names) : undefined
}

/** Every SAN kind read back from a certificate or CSR, so checks can refuse unexpected ones. */
export interface ParsedAltNames {
  readonly dnsNames: ReadonlyArray<string>
  readonly ipAddresses: ReadonlyArray<string>
  readonly emailAddresses: ReadonlyArray<string>
  readonly uris: ReadonlyArray<string>
}

/** Reads the SANs of an extension; a missing extension reads as no names. */
export const readAltNames = (ext: x509.SubjectAlternativeNameExtension | null): ParsedAltNames => {
  const items = ext?.names.items ?? []
  const of = (type: string) => items.filter((n) => n.type === type).map((n) => n.value)
  return { dnsNames: of("dns"), ipAddresses: of("ip"), emailAddresses: of("email"), uris: of("url") }
}

const SAN_OID = "2.5.29.17"

/** The SAN extension among parsed extensions (re-read from its DER so the typed class is used). */
export const sanOf = (extensions: ReadonlyArray<x509.Extension>): x509.SubjectAlternativeNameExtension | null => {
  const ext = extensions.find((e) => e.type === SAN_OID)
  return ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : null
}
