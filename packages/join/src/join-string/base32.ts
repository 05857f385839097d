/**
 * RFC 4648 base32 in lower case, without padding: letters and digits only, so a double
 * click selects the whole string and no shell needs it quoted. Decoding is strict (one
 * text per byte string): a bad character, an impossible length or non-zero spare bits
 * are refused.
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"

/** The base32 text of `bytes` (lower case, no padding). */
export const encodeBase32 = (bytes: Uint8Array): string => {
  let out = ""
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET.charAt((buffer >> bits) & 31)
    }
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31)
  return out
}

/** Why a text is not canonical base32: the 0-based position of a bad character, or a length/spare-bits problem. */
export type Base32Problem =
  | { readonly problem: "character"; readonly position: number }
  | { readonly problem: "length" }
  | { readonly problem: "spare-bits" }

/** The bytes of a canonical base32 text, or what is wrong with it. */
export const decodeBase32 = (text: string): { readonly bytes: Uint8Array } | Base32Problem => {
  for (let i = 0; i < text.length; i++)
    if (!ALPHABET.includes(text.charAt(i))) return { problem: "character", position: i }
  // 8 characters carry 5 bytes; a last group of 1, 3 or 6 characters is never produced.
  if ([1, 3, 6].includes(text.length % 8)) return { problem: "length" }
  const bytes = new Uint8Array(Math.floor((text.length * 5) / 8))
  let buffer = 0
  let bits = 0
  let at = 0
  for (const ch of text) {
    buffer = ((buffer << 5) | ALPHABET.indexOf(ch)) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      bytes[at++] = (buffer >> bits) & 0xff
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return { problem: "spare-bits" }
  return { bytes }
}
