/** The failures of the crypto module: one family. Messages never contain key material. */
import { attemptThrowing } from "../thrown.js"
import { Data, Effect, Predicate } from "effect"

/**
 * - Key: a key could not be generated, imported or exported (unsupported algorithm, bad encoding);
 * - CertificateParse: a certificate or CSR could not be parsed;
 * - CertificateCreate: a certificate or CSR could not be created or signed;
 * - CertificateKey: the certificate key (kubeadm-certs) is not 64 hex characters;
 * - DecryptShort: AES-GCM data shorter than its nonce;
 * - DecryptAuthentication: AES-GCM open failed: wrong key or tampered data.
 */
export const cryptoErrorReasons = [
  "Key",
  "CertificateParse",
  "CertificateCreate",
  "CertificateKey",
  "DecryptShort",
  "DecryptAuthentication"
] as const
/** One of cryptoErrorReasons. */
export type CryptoErrorReason = (typeof cryptoErrorReasons)[number]
/** A failed crypto operation; `reason` names the operation, and the decrypt reasons keep Go's messages. */
export class CryptoError extends Data.TaggedError("CryptoError")<{
  readonly reason: CryptoErrorReason
  /** What failed, in words (Go's text for the decrypt reasons needs none). */
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    switch (this.reason) {
      case "DecryptShort":
        return "size of data is less than the nonce"
      case "DecryptAuthentication":
        // Go's text, which users search for
        return "cipher: message authentication failed"
      default:
        return this.detail ?? this.reason
    }
  }
}

/** Whether a thrown value is a CryptoError (the plain functions of this folder throw them). */
export const isCryptoError = (u: unknown): u is CryptoError => Predicate.isTagged(u, "CryptoError")

/**
 * Runs a function of this folder that throws: its CryptoError fails, anything else is a
 * bug and dies.
 */
export const attempt = <A>(run: () => A): Effect.Effect<A, CryptoError> => attemptThrowing(run, isCryptoError)
