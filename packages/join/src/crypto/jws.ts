/**
 * Detached JWS as the bootstrap signer stores it in `cluster-info` (`jws-kubeconfig-<id>`):
 * `B64URL({"alg":"HS256","kid":"<id>"}) + ".." + B64URL(HMAC-SHA256(secret, header64 + "." + B64URL(content)))`.
 */
import { base64UrlEncode, constantTimeEqual, hmacSha256 } from "./hash.js"

/** The header must be byte-exact: member order and no whitespace matter to kubeadm's string compare. */
const header = (tokenId: string): string => base64UrlEncode(`{"alg":"HS256","kid":${JSON.stringify(tokenId)}}`)

/** Signs cluster-info's kubeconfig as the bootstrap signer does (HS256, detached payload), to check the signature kubeadm finds. */
export const jwsDetachedSign = (content: string, tokenId: string, tokenSecret: string): string => {
  const h = header(tokenId)
  const signature = hmacSha256(tokenSecret, `${h}.${base64UrlEncode(content)}`)
  return `${h}..${base64UrlEncode(signature)}`
}

/** Recomputes the whole detached string and compares in constant time (same verdicts as kubeadm's `==`). */
export const jwsDetachedVerify = (content: string, jws: string, tokenId: string, tokenSecret: string): boolean =>
  constantTimeEqual(jwsDetachedSign(content, tokenId, tokenSecret), jws)
