import { describe, expect, it } from "vitest"
import {
  aesGcmOpen,
  aesGcmSeal,
  CryptoError,
  decodeCertificateKey,
  generateCertificateKey
} from "../../src/crypto/index.js"
import { createDecipheriv } from "node:crypto"

describe("kubeadm-certs AES-256-GCM", () => {
  it("round-trips; layout is nonce(12) || ciphertext || tag(16)", () => {
    const key = generateCertificateKey()
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    const sealed = aesGcmSeal(key, "hello ca.key")
    expect(sealed.length).toBe(12 + "hello ca.key".length + 16)
    expect(Buffer.from(aesGcmOpen(key, sealed)).toString()).toBe("hello ca.key")
    // independent decryption with the documented layout
    const d = createDecipheriv("aes-256-gcm", Buffer.from(key, "hex"), sealed.subarray(0, 12))
    d.setAuthTag(sealed.subarray(sealed.length - 16))
    expect(Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]).toString()).toBe(
      "hello ca.key"
    )
  })

  it("a wrong key fails authentication with a typed error; short data says so", () => {
    const sealed = aesGcmSeal(generateCertificateKey(), "x")
    const wrong = generateCertificateKey()
    expect(() => aesGcmOpen(wrong, sealed)).toThrow(CryptoError)
    try {
      aesGcmOpen(wrong, sealed)
    } catch (e) {
      expect(e).toMatchObject({
        _tag: "CryptoError",
        reason: "DecryptAuthentication",
        message: "cipher: message authentication failed"
      })
      expect((e as Error).message).not.toContain(wrong)
    }
    expect(() => aesGcmOpen(wrong, new Uint8Array(5))).toThrow("size of data is less than the nonce")
  })

  it("a malformed certificate key is refused without echoing it", () => {
    expect(() => decodeCertificateKey("zz")).toThrow(CryptoError)
    try {
      decodeCertificateKey("secretsecret")
    } catch (e) {
      expect((e as Error).message).not.toContain("secretsecret")
    }
  })
})
