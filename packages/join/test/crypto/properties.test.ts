// Properties over random inputs: JWS verifies only with the signing secret; AES-GCM opens only with its key.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { aesGcmOpen, aesGcmSeal, jwsDetachedSign, jwsDetachedVerify } from "../../src/crypto/index.js"

const id = fc.stringMatching(/^[a-z0-9]{6}$/)
const secret = fc.stringMatching(/^[a-z0-9]{16}$/)
const key = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe("properties", () => {
  it("a detached JWS verifies with its own id/secret/content and not with another secret", () => {
    fc.assert(
      fc.property(fc.string(), id, secret, secret, (content, tokenId, s1, s2) => {
        const jws = jwsDetachedSign(content, tokenId, s1)
        expect(jws).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]{43}$/)
        expect(jwsDetachedVerify(content, jws, tokenId, s1)).toBe(true)
        expect(jwsDetachedVerify(content, jws, tokenId, s2)).toBe(s1 === s2)
      })
    )
  })

  it("AES-GCM round-trips and fails with another key", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), key, key, (data, k1, k2) => {
        const sealed = aesGcmSeal(k1, data)
        expect(Buffer.from(aesGcmOpen(k1, sealed)).equals(Buffer.from(data))).toBe(true)
        if (!Buffer.from(k1).equals(Buffer.from(k2)))
          expect(() => aesGcmOpen(k2, sealed)).toThrow("cipher: message authentication failed")
      }),
      { numRuns: 50 }
    )
  })
})
