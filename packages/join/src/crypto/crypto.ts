/**
 * The Crypto service: the plain functions of this folder lifted into Effects with typed errors.
 * Pure hashing stays synchronous (`Effect.sync`); key and certificate work is async WebCrypto.
 */
import { Context, Effect, Layer, Ref } from "effect"
import { aesGcmOpen, aesGcmSeal, decodeCertificateKey, generateCertificateKey } from "./aes.js"
import type { CaSpec, CertificateInfo, Issuer, LeafSpec } from "./certs.js"
import type { CsrInfo, CsrSpec } from "./csr.js"
import { causeText } from "../cause-text.js"
import { CryptoError, type CryptoErrorReason, isCryptoError } from "./errors.js"
import { hmacSha256, sha256, sha256Hex } from "./hash.js"
import { jwsDetachedSign, jwsDetachedVerify } from "./jws.js"
import {
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromPem,
  publicKeyToPem,
  type KeyAlgorithm,
  type KeyPair
} from "./keys.js"
// Certificate work goes through the lazy wrappers: x509 loads on the first certificate operation.
import {
  caCertHash,
  caCertHashes,
  certificateMatchesKey,
  createCaCertificate,
  createCertificate,
  createCsr,
  parseCertificate,
  parseCertificates,
  parseCsr,
  verifyCertificate
} from "./lazy.js"

/** Hashing, signing, keys and certificates as Effects, so phases can run with a fake in tests. */
export interface CryptoService {
  readonly sha256: (data: Uint8Array | string) => Effect.Effect<Uint8Array>
  readonly sha256Hex: (data: Uint8Array | string) => Effect.Effect<string>
  readonly hmacSha256: (key: Uint8Array | string, message: Uint8Array | string) => Effect.Effect<Uint8Array>
  readonly jwsSign: (content: string, tokenId: string, tokenSecret: string) => Effect.Effect<string>
  readonly jwsVerify: (content: string, jws: string, tokenId: string, tokenSecret: string) => Effect.Effect<boolean>
  readonly caCertHash: (certPem: string) => Effect.Effect<string, CryptoError>
  readonly caCertHashes: (bundlePem: string) => Effect.Effect<ReadonlyArray<string>, CryptoError>
  readonly generateKeyPair: (algorithm: KeyAlgorithm) => Effect.Effect<KeyPair, CryptoError>
  readonly privateKeyToPem: (key: CryptoKey, format?: "pkcs8" | "traditional") => Effect.Effect<string, CryptoError>
  readonly privateKeyFromPem: (pem: string) => Effect.Effect<KeyPair, CryptoError>
  readonly publicKeyToPem: (key: CryptoKey) => Effect.Effect<string, CryptoError>
  readonly publicKeyFromPem: (pem: string) => Effect.Effect<CryptoKey, CryptoError>
  readonly createCsr: (keys: KeyPair, spec: CsrSpec) => Effect.Effect<string, CryptoError>
  readonly parseCsr: (pem: string) => Effect.Effect<CsrInfo, CryptoError>
  readonly createCaCertificate: (keys: KeyPair, spec: CaSpec) => Effect.Effect<string, CryptoError>
  readonly createCertificate: (
    publicKey: CryptoKey | Uint8Array,
    spec: LeafSpec,
    issuer: Issuer
  ) => Effect.Effect<string, CryptoError>
  readonly parseCertificate: (pem: string) => Effect.Effect<CertificateInfo, CryptoError>
  readonly parseCertificates: (pem: string) => Effect.Effect<ReadonlyArray<CertificateInfo>, CryptoError>
  readonly certificateMatchesKey: (certPem: string, keys: KeyPair) => Effect.Effect<boolean, CryptoError>
  readonly verifyCertificate: (certPem: string, caPem: string, at?: Date) => Effect.Effect<boolean, CryptoError>
  readonly generateCertificateKey: Effect.Effect<string>
  readonly decodeCertificateKey: (hex: string) => Effect.Effect<Uint8Array, CryptoError>
  readonly seal: (key: Uint8Array | string, plaintext: Uint8Array | string) => Effect.Effect<Uint8Array, CryptoError>
  readonly open: (key: Uint8Array | string, sealed: Uint8Array) => Effect.Effect<Uint8Array, CryptoError>
}

/** Resolves to the crypto the join runs with: the real one (`layer`) or a test's. */
export class Crypto extends Context.Tag("@kubeadm-ts/join/Crypto")<Crypto, CryptoService>() {}

/** Crypto failures pass through; anything else thrown becomes a failure of `reason` (the message keeps the cause text). */
const lift = <A>(reason: CryptoErrorReason, run: () => A | Promise<A>): Effect.Effect<A, CryptoError> =>
  Effect.tryPromise({
    try: async () => run(),
    catch: (cause) => (isCryptoError(cause) ? cause : new CryptoError({ reason, detail: causeText(cause), cause }))
  })

const liftSync = <A>(reason: CryptoErrorReason, run: () => A): Effect.Effect<A, CryptoError> =>
  Effect.try({
    try: run,
    catch: (cause) => (isCryptoError(cause) ? cause : new CryptoError({ reason, detail: causeText(cause), cause }))
  })

const live: CryptoService = {
  sha256: (data) => Effect.sync(() => sha256(data)),
  sha256Hex: (data) => Effect.sync(() => sha256Hex(data)),
  hmacSha256: (key, message) => Effect.sync(() => hmacSha256(key, message)),
  jwsSign: (content, id, secret) => Effect.sync(() => jwsDetachedSign(content, id, secret)),
  jwsVerify: (content, jws, id, secret) => Effect.sync(() => jwsDetachedVerify(content, jws, id, secret)),
  caCertHash: (pem) => lift("CertificateParse", () => caCertHash(pem)),
  caCertHashes: (pem) => lift("CertificateParse", () => caCertHashes(pem)),
  generateKeyPair: (alg) => lift("Key", () => generateKeyPair(alg)),
  privateKeyToPem: (key, format) => lift("Key", () => privateKeyToPem(key, format)),
  privateKeyFromPem: (pem) => lift("Key", () => privateKeyFromPem(pem)),
  publicKeyToPem: (key) => lift("Key", () => publicKeyToPem(key)),
  publicKeyFromPem: (pem) => lift("Key", () => publicKeyFromPem(pem)),
  createCsr: (keys, spec) => lift("CertificateCreate", () => createCsr(keys, spec)),
  parseCsr: (pem) => lift("CertificateParse", () => parseCsr(pem)),
  createCaCertificate: (keys, spec) => lift("CertificateCreate", () => createCaCertificate(keys, spec)),
  createCertificate: (pub, spec, issuer) => lift("CertificateCreate", () => createCertificate(pub, spec, issuer)),
  parseCertificate: (pem) => lift("CertificateParse", () => parseCertificate(pem)),
  parseCertificates: (pem) => lift("CertificateParse", () => parseCertificates(pem)),
  certificateMatchesKey: (pem, keys) => lift("CertificateParse", () => certificateMatchesKey(pem, keys)),
  verifyCertificate: (pem, ca, at) => lift("CertificateParse", () => verifyCertificate(pem, ca, at)),
  generateCertificateKey: Effect.sync(generateCertificateKey),
  decodeCertificateKey: (hex) => liftSync("CertificateKey", () => decodeCertificateKey(hex)),
  seal: (key, plaintext) => liftSync("CertificateKey", () => aesGcmSeal(key, plaintext)),
  open: (key, sealed) => liftSync("DecryptAuthentication", () => aesGcmOpen(key, sealed))
}

/** The live (and only) implementation: it has no outside effects, so tests use it too. */
export const layer: Layer.Layer<Crypto> = Layer.succeed(Crypto, live)

/**
 * The live Crypto with `count` key pairs of `algorithm` started ahead of their first use, two at a
 * time, from the moment the layer is built: a control-plane join needs about ten RSA keys (its
 * certificates and kubeconfig files), which then generate while discovery and the downloads wait
 * on the network instead of after them. Each request takes the next pooled key (joining its
 * generation if it is under way, starting it if not); once the pool is spent, or for another
 * algorithm, keys are generated as `layer` does. What is still generating when the join ends is
 * abandoned with the layer's scope.
 */
export const layerPrefetching = (algorithm: KeyAlgorithm, count: number): Layer.Layer<Crypto> =>
  Layer.scoped(
    Crypto,
    Effect.gen(function* () {
      const pool = yield* Effect.forEach(Array.from({ length: count }), () =>
        Effect.cached(live.generateKeyPair(algorithm))
      )
      const next = yield* Ref.make(0)
      // A key's generation runs on libuv's thread pool; two at a time leave its other threads to file I/O and DNS.
      yield* Effect.forkScoped(Effect.forEach(pool, (key) => Effect.ignore(key), { concurrency: 2, discard: true }))
      const service: CryptoService = {
        ...live,
        generateKeyPair: (alg) =>
          alg !== algorithm
            ? live.generateKeyPair(alg)
            : Effect.flatMap(
                Ref.getAndUpdate(next, (i) => i + 1),
                (i) => pool[i] ?? live.generateKeyPair(alg)
              )
      }
      return service
    })
  )

/** A Crypto whose every operation not given dies, naming itself. */
export const layerTest = (partial: Partial<CryptoService> = {}): Layer.Layer<Crypto> =>
  Layer.succeed(Crypto, {
    ...(Object.fromEntries(
      Object.keys(live).map((name) => [
        name,
        name === "generateCertificateKey"
          ? Effect.die("Crypto.generateCertificateKey was not expected by this test")
          : () => Effect.die(`Crypto.${name} was not expected by this test`)
      ])
    ) as unknown as CryptoService),
    ...partial
  })
