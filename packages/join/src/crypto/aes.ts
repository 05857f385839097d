/**
 * kubeadm-certs encryption: AES-256-GCM, 12-byte random nonce prepended, 16-byte tag appended,
 * no additional data. The certificate key is 32 random bytes shown as 64 lower-case hex characters.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { CryptoError } from "./errors.js"

const NONCE = 12
const TAG = 16

/** A fresh `--certificate-key`: 32 random bytes as 64 hex digits, as `kubeadm certs certificate-key` prints. */
export const generateCertificateKey = (): string => randomBytes(32).toString("hex")

/** The 32 key bytes of a certificate key; the key itself never appears in the error. */
export const decodeCertificateKey = (hex: string): Uint8Array => {
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new CryptoError({
      reason: "CertificateKey",
      detail: `certificate key must be 64 hexadecimal characters (a 32-byte AES key), got ${hex.length} characters`
    })
  return new Uint8Array(Buffer.from(hex, "hex"))
}

const keyBytes = (key: Uint8Array | string): Uint8Array => (typeof key === "string" ? decodeCertificateKey(key) : key)

/** Encrypts as kubeadm's cryptoutil does: nonce, ciphertext and GCM tag in one buffer. */
export const aesGcmSeal = (key: Uint8Array | string, plaintext: Uint8Array | string): Uint8Array => {
  const nonce = randomBytes(NONCE)
  const cipher = createCipheriv("aes-256-gcm", keyBytes(key), nonce)
  const body = Buffer.concat([
    cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext) : plaintext),
    cipher.final()
  ])
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]))
}

/** Decrypts a kubeadm-certs entry; a wrong key or altered data fails with Go's error text. */
export const aesGcmOpen = (key: Uint8Array | string, sealed: Uint8Array): Uint8Array => {
  const k = keyBytes(key)
  if (sealed.length < NONCE) throw new CryptoError({ reason: "DecryptShort" })
  if (sealed.length < NONCE + TAG) throw new CryptoError({ reason: "DecryptAuthentication" })
  try {
    const decipher = createDecipheriv("aes-256-gcm", k, sealed.subarray(0, NONCE))
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG))
    return new Uint8Array(
      Buffer.concat([decipher.update(sealed.subarray(NONCE, sealed.length - TAG)), decipher.final()])
    )
  } catch (cause) {
    throw new CryptoError({ reason: "DecryptAuthentication", cause })
  }
}
