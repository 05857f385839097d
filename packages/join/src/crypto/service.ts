/**
 * The Crypto service: the plain functions of this folder lifted into Effects with typed errors.
 * Pure hashing stays synchronous (`Effect.sync`); key and certificate work is async WebCrypto.
 */
import { Context, Effect, Layer } from "effect"
import { aesGcmOpen, aesGcmSeal, decodeCertificateKey, generateCertificateKey } from "./aes.js"
import type { CaSpec, CertificateInfo, Issuer, LeafSpec } from "./certs.js"
import type { CsrInfo, CsrSpec } from "./csr.js"
import {
  causeText, CertificateCreateError, CertificateKeyError, CertificateParseError, DecryptError, KeyError,
  type CryptoError
} from "./errors.js"
import { hmacSha256, sha256, sha256Hex } from "./hash.js"
import { jwsDetachedSign, jwsDetachedVerify } from "./jws.js"
import {
  generateKeyPair, privateKeyFromPem, privateKeyToPem, publicKeyFromPem, publicKeyToPem, type KeyAlgorithm, type KeyPair
} from "./keys.js"
// Certificate work goes through the lazy wrappers: x509 loads on the first certificate operation.
import {
  caCertHash, caCertHashes, certificateMatchesKey, createCaCertificate, createCertificate, createCsr, parseCertificate,
  parseCertificates, parseCsr, verifyCertificate
} from "./lazy.js"

export interface CryptoService {
  readonly sha256: (data: Uint8Array | string) => Effect.Effect<Uint8Array>
  readonly sha256Hex: (data: Uint8Array | string) => Effect.Effect<string>
  readonly hmacSha256: (key: Uint8Array | string, message: Uint8Array | string) => Effect.Effect<Uint8Array>
  readonly jwsSign: (content: string, tokenId: string, tokenSecret: string) => Effect.Effect<string>
  readonly jwsVerify: (content: string, jws: string, tokenId: string, tokenSecret: string) => Effect.Effect<boolean>
  readonly caCertHash: (certPem: string) => Effect.Effect<string, CertificateParseError>
  readonly caCertHashes: (bundlePem: string) => Effect.Effect<ReadonlyArray<string>, CertificateParseError>
  readonly generateKeyPair: (algorithm: KeyAlgorithm) => Effect.Effect<KeyPair, KeyError>
  readonly privateKeyToPem: (key: CryptoKey, format?: "pkcs8" | "traditional") => Effect.Effect<string, KeyError>
  readonly privateKeyFromPem: (pem: string) => Effect.Effect<KeyPair, KeyError>
  readonly publicKeyToPem: (key: CryptoKey) => Effect.Effect<string, KeyError>
  readonly publicKeyFromPem: (pem: string) => Effect.Effect<CryptoKey, KeyError>
  readonly createCsr: (keys: KeyPair, spec: CsrSpec) => Effect.Effect<string, CertificateCreateError>
  readonly parseCsr: (pem: string) => Effect.Effect<CsrInfo, CertificateParseError>
  readonly createCaCertificate: (keys: KeyPair, spec: CaSpec) => Effect.Effect<string, CertificateCreateError>
  readonly createCertificate: (
    publicKey: CryptoKey | Uint8Array, spec: LeafSpec, issuer: Issuer
  ) => Effect.Effect<string, CertificateCreateError>
  readonly parseCertificate: (pem: string) => Effect.Effect<CertificateInfo, CertificateParseError>
  readonly parseCertificates: (pem: string) => Effect.Effect<ReadonlyArray<CertificateInfo>, CertificateParseError>
  readonly certificateMatchesKey: (certPem: string, keys: KeyPair) => Effect.Effect<boolean, CertificateParseError | KeyError>
  readonly verifyCertificate: (certPem: string, caPem: string, at?: Date) => Effect.Effect<boolean, CertificateParseError>
  readonly generateCertificateKey: Effect.Effect<string>
  readonly decodeCertificateKey: (hex: string) => Effect.Effect<Uint8Array, CertificateKeyError>
  readonly seal: (key: Uint8Array | string, plaintext: Uint8Array | string) => Effect.Effect<Uint8Array, CertificateKeyError>
  readonly open: (key: Uint8Array | string, sealed: Uint8Array) => Effect.Effect<Uint8Array, CertificateKeyError | DecryptError>
}

export class Crypto extends Context.Tag("@kubeadm-ts/join/Crypto")<Crypto, CryptoService>() {}

type ErrorClass<E> = new (args: { readonly message: string }) => E

/** Typed crypto errors pass through; anything else becomes `fallback` (the message keeps the cause text). */
const lift = <A, E extends CryptoError>(fallback: ErrorClass<E>, run: () => A | Promise<A>): Effect.Effect<A, E> =>
  Effect.tryPromise({
    try: async () => run(),
    catch: (cause) =>
      (cause instanceof KeyError || cause instanceof CertificateParseError ||
        cause instanceof CertificateCreateError || cause instanceof CertificateKeyError || cause instanceof DecryptError
        ? cause
        : new fallback({ message: causeText(cause) })) as E
  })

const liftSync = <A, E extends CryptoError>(fallback: ErrorClass<E>, run: () => A): Effect.Effect<A, E> =>
  Effect.try({
    try: run,
    catch: (cause) => (cause instanceof Error && "_tag" in cause ? cause : new fallback({ message: causeText(cause) })) as E
  })

export const cryptoService: CryptoService = {
  sha256: (data) => Effect.sync(() => sha256(data)),
  sha256Hex: (data) => Effect.sync(() => sha256Hex(data)),
  hmacSha256: (key, message) => Effect.sync(() => hmacSha256(key, message)),
  jwsSign: (content, id, secret) => Effect.sync(() => jwsDetachedSign(content, id, secret)),
  jwsVerify: (content, jws, id, secret) => Effect.sync(() => jwsDetachedVerify(content, jws, id, secret)),
  caCertHash: (pem) => lift(CertificateParseError, () => caCertHash(pem)),
  caCertHashes: (pem) => lift(CertificateParseError, () => caCertHashes(pem)),
  generateKeyPair: (alg) => lift(KeyError, () => generateKeyPair(alg)),
  privateKeyToPem: (key, format) => lift(KeyError, () => privateKeyToPem(key, format)),
  privateKeyFromPem: (pem) => lift(KeyError, () => privateKeyFromPem(pem)),
  publicKeyToPem: (key) => lift(KeyError, () => publicKeyToPem(key)),
  publicKeyFromPem: (pem) => lift(KeyError, () => publicKeyFromPem(pem)),
  createCsr: (keys, spec) => lift(CertificateCreateError, () => createCsr(keys, spec)),
  parseCsr: (pem) => lift(CertificateParseError, () => parseCsr(pem)),
  createCaCertificate: (keys, spec) => lift(CertificateCreateError, () => createCaCertificate(keys, spec)),
  createCertificate: (pub, spec, issuer) => lift(CertificateCreateError, () => createCertificate(pub, spec, issuer)),
  parseCertificate: (pem) => lift(CertificateParseError, () => parseCertificate(pem)),
  parseCertificates: (pem) => lift(CertificateParseError, () => parseCertificates(pem)),
  certificateMatchesKey: (pem, keys) => lift(CertificateParseError, () => certificateMatchesKey(pem, keys)),
  verifyCertificate: (pem, ca, at) => lift(CertificateParseError, () => verifyCertificate(pem, ca, at)),
  generateCertificateKey: Effect.sync(generateCertificateKey),
  decodeCertificateKey: (hex) => liftSync(CertificateKeyError, () => decodeCertificateKey(hex)),
  seal: (key, plaintext) => liftSync(CertificateKeyError, () => aesGcmSeal(key, plaintext)),
  open: (key, sealed) => liftSync(DecryptError as ErrorClass<DecryptError | CertificateKeyError>, () => aesGcmOpen(key, sealed))
}

/** The live (and only) implementation: it has no outside effects, so tests use it too. */
export const CryptoLive: Layer.Layer<Crypto> = Layer.succeed(Crypto, cryptoService)

/** The test layer is the live one: every operation is local and deterministic enough for tests. */
export const CryptoTest: Layer.Layer<Crypto> = CryptoLive
