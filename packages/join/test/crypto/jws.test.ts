import { describe, expect, it } from "vitest"
import {
  base64UrlDecode,
  constantTimeEqual,
  hmacSha256,
  jwsDetachedSign,
  jwsDetachedVerify,
  sha256Hex
} from "../../src/crypto/index.js"

const content = "Hello from the other side. I must have called a thousand times."

describe("JWS detached signature (spec 2.2 vectors)", () => {
  it.each([
    [
      content,
      "joshua",
      "my voice is my passcode",
      "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8"
    ],
    [
      "",
      "joshua",
      "my voice is my passcode",
      "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk"
    ],
    [content, "joshua", "", "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8"]
  ])("signs %#", (c, kid, secret, expected) => {
    expect(jwsDetachedSign(c, kid, secret)).toBe(expected)
    expect(jwsDetachedVerify(c, expected, kid, secret)).toBe(true)
  })

  it('header is exactly {"alg":"HS256","kid":"<id>"}', () => {
    const [h] = jwsDetachedSign("x", "abcdef", "0123456789abcdef").split("..")
    expect(Buffer.from(base64UrlDecode(h ?? "")).toString()).toBe('{"alg":"HS256","kid":"abcdef"}')
  })

  it("rejects another secret, another kid, other content, a reordered header", () => {
    const jws = jwsDetachedSign(content, "abcdef", "0123456789abcdef")
    expect(jwsDetachedVerify(content, jws, "abcdef", "0123456789abcdeX")).toBe(false)
    expect(jwsDetachedVerify(content, jws, "abcdeg", "0123456789abcdef")).toBe(false)
    expect(jwsDetachedVerify(content + " ", jws, "abcdef", "0123456789abcdef")).toBe(false)
    const sig = jws.split("..")[1] ?? ""
    const reordered = Buffer.from('{"kid":"abcdef","alg":"HS256"}').toString("base64url") + ".." + sig
    expect(jwsDetachedVerify(content, reordered, "abcdef", "0123456789abcdef")).toBe(false)
  })

  it("hash helpers agree with known values", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    // RFC 4231 test case 2
    expect(Buffer.from(hmacSha256("Jefe", "what do ya want for nothing?")).toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
    expect(constantTimeEqual("abc", "abc")).toBe(true)
    expect(constantTimeEqual("abc", "abd")).toBe(false)
    expect(constantTimeEqual("abc", "abcd")).toBe(false)
  })
})
