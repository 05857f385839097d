/** Typed failures of the crypto module. Messages never contain key material. */
import { Data } from "effect"

/** A key could not be generated, imported or exported (unsupported algorithm, bad encoding). */
export class KeyError extends Data.TaggedError("KeyError")<{ readonly message: string }> {}

/** A certificate or CSR could not be parsed. */
export class CertificateParseError extends Data.TaggedError("CertificateParseError")<{ readonly message: string }> {}

/** A certificate or CSR could not be created or signed. */
export class CertificateCreateError extends Data.TaggedError("CertificateCreateError")<{ readonly message: string }> {}

/** The certificate key (kubeadm-certs) is not 64 hex characters. */
export class CertificateKeyError extends Data.TaggedError("CertificateKeyError")<{ readonly message: string }> {}

/**
 * AES-GCM open failed. `reason` "short": fewer bytes than the nonce;
 * "authentication": wrong key or tampered data (Go says `cipher: message authentication failed`).
 */
export class DecryptError extends Data.TaggedError("DecryptError")<{
  readonly reason: "short" | "authentication"
  readonly message: string
}> {}

export type CryptoError = KeyError | CertificateParseError | CertificateCreateError | CertificateKeyError | DecryptError

/** Error text of an unknown thrown value, for wrapping third-party failures. */
export { causeText } from "../cause-text.js"
