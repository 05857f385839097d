/** The `sha256:<hex>` public-key pin kubeadm prints for `--discovery-token-ca-cert-hash` (RFC 7469 style). */
import { sha256Hex } from "./hash.js"
import { parseCertificates } from "./certs.js"

/** The `sha256:<hex>` pin of a public key, the format of `--discovery-token-ca-cert-hash`. */
export const spkiPin = (spki: Uint8Array): string => `sha256:${sha256Hex(spki)}`

/** Pin of the first certificate of a PEM text. */
export const caCertHash = (certPem: string): string => {
  const first = parseCertificates(certPem)[0]
  return spkiPin(first?.spki ?? new Uint8Array())
}

/** Pins of every certificate in a PEM bundle, in order. */
export const caCertHashes = (bundlePem: string): ReadonlyArray<string> =>
  parseCertificates(bundlePem).map((c) => spkiPin(c.spki))
