/** Hashes, MACs and encodings shared by JWS, pins and tokens (@noble/hashes, synchronous). */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import { hmac } from "@noble/hashes/hmac.js"

const encoder = new TextEncoder()
const bytes = (data: Uint8Array | string): Uint8Array => (typeof data === "string" ? encoder.encode(data) : data)

/** SHA-256 of bytes or UTF-8 text (the CA pin, the JWS signature input). */
export const sha256 = (data: Uint8Array | string): Uint8Array => nobleSha256(bytes(data))

/** HMAC-SHA256, the algorithm of the cluster-info JWS signed with a bootstrap token. */
export const hmacSha256 = (key: Uint8Array | string, message: Uint8Array | string): Uint8Array =>
  hmac(nobleSha256, bytes(key), bytes(message))

/** Lower-case hex, the form kubeadm prints hashes in. */
export const toHex = (data: Uint8Array): string => Buffer.from(data).toString("hex")

/** SHA-256 as lower-case hex. */
export const sha256Hex = (data: Uint8Array | string): string => toHex(sha256(data))

/** RFC 4648 URL-safe base64 without `=` padding (what JWS uses). */
export const base64UrlEncode = (data: Uint8Array | string): string => Buffer.from(bytes(data)).toString("base64url")

/** Decodes URL-safe base64, padded or not (JWS parts). */
export const base64UrlDecode = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64url"))

/** Equality whose running time depends only on the lengths, not on where the inputs differ. */
export const constantTimeEqual = (a: Uint8Array | string, b: Uint8Array | string): boolean => {
  const x = bytes(a)
  const y = bytes(b)
  let diff = x.length ^ y.length
  const n = Math.max(x.length, y.length)
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}
