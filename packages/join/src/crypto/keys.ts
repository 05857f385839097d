/**
 * Key pairs as WebCrypto CryptoKeys (extractable, so they can be written as PEM).
 * Legacy PEM forms ("EC PRIVATE KEY", "RSA PRIVATE KEY") are read and written through
 * node:crypto KeyObjects, which speak them natively.
 */
import { createPrivateKey, createPublicKey, KeyObject, webcrypto } from "node:crypto"
import { causeText } from "../cause-text.js"
import { CryptoError } from "./errors.js"
import { encodePem } from "./pem.js"
// Node's WebCrypto directly (not through provider.ts): keys need no x509, which loads lazily.
const subtle = webcrypto.subtle as SubtleCrypto

/** What can be generated. kubeadm follows the cluster's algorithm; kubelets always use ECDSA P-256. */
export type KeyAlgorithm = "ecdsa-p256" | "rsa-2048" | "rsa-4096"

/** A WebCrypto key pair with the algorithm family, which decides the PEM form and the signature algorithm. */
export interface KeyPair {
  readonly kind: "ecdsa" | "rsa"
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
}

const EC_PARAMS = { name: "ECDSA", namedCurve: "P-256" } as const
const RSA_PARAMS = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const
const bytes = (b: ArrayBuffer | Buffer): Uint8Array => new Uint8Array(b)

/** A new key pair for a certificate or CSR; a failure is a CryptoError naming the algorithm. */
export const generateKeyPair = async (algorithm: KeyAlgorithm): Promise<KeyPair> => {
  try {
    if (algorithm === "ecdsa-p256") {
      const pair = await subtle.generateKey(EC_PARAMS, true, ["sign", "verify"])
      return { kind: "ecdsa", privateKey: pair.privateKey, publicKey: pair.publicKey }
    }
    const modulusLength = algorithm === "rsa-4096" ? 4096 : 2048
    const pair = await subtle.generateKey(
      { ...RSA_PARAMS, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ["sign", "verify"]
    )
    return { kind: "rsa", privateKey: pair.privateKey, publicKey: pair.publicKey }
  } catch (cause) {
    throw new CryptoError({
      reason: "Key",
      detail: `cannot generate a ${algorithm} key pair: ${causeText(cause)}`,
      cause
    })
  }
}

/** The WebCrypto signature parameters matching a key (SHA-256 in both cases, as kubeadm signs). */
export const signingAlgorithm = (pair: KeyPair): Algorithm | EcdsaParams =>
  pair.kind === "ecdsa" ? { name: "ECDSA", hash: "SHA-256" } : RSA_PARAMS

/** DER SubjectPublicKeyInfo of a public key. */
export const publicKeySpki = async (publicKey: CryptoKey): Promise<Uint8Array> =>
  bytes(await subtle.exportKey("spki", publicKey))

/** PEM `PUBLIC KEY` (SubjectPublicKeyInfo), the form of sa.pub. */
export const publicKeyToPem = async (publicKey: CryptoKey): Promise<string> =>
  encodePem("PUBLIC KEY", await publicKeySpki(publicKey))

/**
 * PEM of a private key. "pkcs8" = `PRIVATE KEY`; "traditional" = `EC PRIVATE KEY` (SEC 1) or
 * `RSA PRIVATE KEY` (PKCS#1), the forms Go's kubeadm and the kubelet write.
 */
export const privateKeyToPem = async (
  privateKey: CryptoKey,
  format: "pkcs8" | "traditional" = "pkcs8"
): Promise<string> => {
  try {
    const pkcs8 = bytes(await subtle.exportKey("pkcs8", privateKey))
    if (format === "pkcs8") return encodePem("PRIVATE KEY", pkcs8)
    const ko = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" })
    const type = ko.asymmetricKeyType === "ec" ? "sec1" : "pkcs1"
    return ko.export({ format: "pem", type }).toString()
  } catch (cause) {
    throw new CryptoError({ reason: "Key", detail: `cannot export the private key: ${causeText(cause)}`, cause })
  }
}

/** The kind of a private key this module can use; anything else is refused before any import. */
const kindOf = (ko: KeyObject): KeyPair["kind"] => {
  if (ko.asymmetricKeyType === "ec") {
    if (ko.asymmetricKeyDetails?.namedCurve !== "prime256v1")
      throw new CryptoError({
        reason: "Key",
        detail: `unsupported EC curve ${ko.asymmetricKeyDetails?.namedCurve ?? "?"} (only P-256)`
      })
    return "ecdsa"
  }
  if (ko.asymmetricKeyType === "rsa") return "rsa"
  throw new CryptoError({
    reason: "Key",
    detail: `unsupported private key type ${ko.asymmetricKeyType ?? "?"} (only ECDSA P-256 and RSA)`
  })
}

const fromKeyObject = async (ko: KeyObject, kind: KeyPair["kind"]): Promise<KeyPair> => {
  const pkcs8 = ko.export({ format: "der", type: "pkcs8" })
  const spki = createPublicKey(ko).export({ format: "der", type: "spki" })
  const params = kind === "ecdsa" ? EC_PARAMS : RSA_PARAMS
  return {
    kind,
    privateKey: await subtle.importKey("pkcs8", pkcs8, params, true, ["sign"]),
    publicKey: await subtle.importKey("spki", spki, params, true, ["verify"])
  }
}

/** Reads `PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY` PEM; the public half is derived. */
export const privateKeyFromPem = async (pem: string): Promise<KeyPair> => {
  let ko: KeyObject
  try {
    ko = createPrivateKey({ key: pem, format: "pem" })
  } catch (cause) {
    throw new CryptoError({ reason: "Key", detail: `cannot parse the private key PEM: ${causeText(cause)}`, cause })
  }
  const kind = kindOf(ko)
  try {
    return await fromKeyObject(ko, kind)
  } catch (cause) {
    throw new CryptoError({ reason: "Key", detail: `cannot import the private key: ${causeText(cause)}`, cause })
  }
}

/** Reads a `PUBLIC KEY` (SPKI) PEM, e.g. sa.pub, as a verification key. */
export const publicKeyFromPem = async (pem: string): Promise<CryptoKey> => {
  try {
    const ko = createPublicKey({ key: pem, format: "pem" })
    const spki = ko.export({ format: "der", type: "spki" })
    const params = ko.asymmetricKeyType === "ec" ? EC_PARAMS : RSA_PARAMS
    return await subtle.importKey("spki", spki, params, true, ["verify"])
  } catch (cause) {
    throw new CryptoError({ reason: "Key", detail: `cannot parse the public key PEM: ${causeText(cause)}`, cause })
  }
}
