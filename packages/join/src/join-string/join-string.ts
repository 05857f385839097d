/**
 * The join string (beyond kubeadm): everything a `kubeadm join` line says about the
 * cluster in one copy-pasteable word, so `kubeadm-ts join <string>` needs no other flag.
 *
 * Version 1 is `kts1` followed by base32 (a-z, 2-7) of:
 * - 1 byte of options: bit 0 a control-plane join, bit 1 a certificate key follows; the
 *   other bits are 0 (so the base32 part always starts with `a`);
 * - the bootstrap token's 22 characters (id and secret, without the dot);
 * - the number of CA pins (1 to 255), then each pin's 32 SHA-256 bytes;
 * - the 32-byte certificate key, when bit 1 is set;
 * - the API server endpoint (`host:port`, UTF-8, the rest);
 * - a checksum: the first 4 bytes of SHA-256 over `kts1` and everything before it.
 *
 * Decoding checks all of it before anything is used: the version, the alphabet, the
 * length, the checksum (a changed, lost or added character), then every field with the
 * same rules as its flag. The string holds the token and the certificate key: no message
 * here quotes it (redact.ts hides it wherever else it might show).
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { Either } from "effect"
import {
  certificateKeyError,
  endpointError,
  isBootstrapToken,
  parseCaCertHash,
  splitHostPortError
} from "../config/formats.js"
import { decodeBase32, encodeBase32 } from "./base32.js"
import { type JoinStringField, JoinStringError, type JoinStringReason } from "./errors.js"

/** What a join string carries, named after the flags of a join line. */
export interface JoinStringFields {
  /** `host:port` of the API server (the join line's positional argument). */
  readonly apiServerEndpoint: string
  /** `--token`: the bootstrap token, for discovery and the TLS bootstrap. */
  readonly token: string
  /** `--discovery-token-ca-cert-hash`, every one: `sha256:<hex>` in lower case. */
  readonly caCertHashes: ReadonlyArray<string>
  /** `--control-plane`. */
  readonly controlPlane: boolean
  /** `--certificate-key` (64 hex digits, lower case), or "" when none. */
  readonly certificateKey: string
}

/** The version this kubeadm-ts writes and reads. */
export const joinStringVersion = 1

/** How every version-1 join string starts. */
export const joinStringPrefix = `kts${joinStringVersion}`

const CONTROL_PLANE = 0b01
const HAS_KEY = 0b10
const TOKEN_CHARS = 22
const PIN_BYTES = 32
const KEY_BYTES = 32
const CHECKSUM_BYTES = 4
const MAX_PINS = 255
const MAX_ENDPOINT_BYTES = 1024
/** Options, token, one pin, a one-byte endpoint and the checksum. */
const MIN_BYTES = 1 + TOKEN_CHARS + 1 + PIN_BYTES + 1 + CHECKSUM_BYTES
const MAX_BYTES = 1 + TOKEN_CHARS + 1 + MAX_PINS * PIN_BYTES + KEY_BYTES + MAX_ENDPOINT_BYTES + CHECKSUM_BYTES
/** Enough for the longest string; beyond it nothing is decoded. */
const MAX_CHARS = joinStringPrefix.length + Math.ceil((MAX_BYTES * 8) / 5)
const MIN_CHARS = joinStringPrefix.length + Math.ceil((MIN_BYTES * 8) / 5)

const fail = (reason: JoinStringReason, detail: string, field?: JoinStringField) =>
  Either.left(new JoinStringError(field === undefined ? { reason, detail } : { reason, detail, field }))

/**
 * Whether a join line's positional argument is a join string rather than `host:port`: it
 * starts with `kts` and a digit (in any case, so a mangled one is refused, not taken for a
 * host) and holds no `:`, which every endpoint has.
 */
export const looksLikeJoinString = (text: string): boolean => /^kts[0-9]/i.test(text) && !text.includes(":")

const checksum = (body: Uint8Array): Uint8Array =>
  sha256(new Uint8Array([...new TextEncoder().encode(joinStringPrefix), ...body])).slice(0, CHECKSUM_BYTES)

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

const hexBytes = (text: string): Uint8Array =>
  Uint8Array.from({ length: text.length / 2 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16))

const endpointProblem = (endpoint: string): string | undefined =>
  endpoint === "" ? "the API server endpoint is not set" : (splitHostPortError(endpoint) ?? endpointError(endpoint))

/** Checks the fields as their flags are checked; Right holds them normalised (lower-case pins and key). */
const checkFields = (fields: JoinStringFields): Either.Either<JoinStringFields, JoinStringError> => {
  const badEndpoint = endpointProblem(fields.apiServerEndpoint)
  if (badEndpoint !== undefined) return fail("BadField", badEndpoint, "api-server-endpoint")
  if (new TextEncoder().encode(fields.apiServerEndpoint).length > MAX_ENDPOINT_BYTES)
    return fail("BadField", `the API server endpoint is longer than ${MAX_ENDPOINT_BYTES} bytes`, "api-server-endpoint")
  if (!isBootstrapToken(fields.token)) return fail("BadField", "the bootstrap token is invalid", "token")
  if (fields.caCertHashes.length === 0)
    return fail("BadField", "no CA pin: a join string always pins the cluster CA", "discovery-token-ca-cert-hash")
  if (fields.caCertHashes.length > MAX_PINS)
    return fail("BadField", `more than ${MAX_PINS} CA pins`, "discovery-token-ca-cert-hash")
  const pins: string[] = []
  for (const pin of fields.caCertHashes) {
    const parsed = parseCaCertHash(pin)
    if ("error" in parsed) return fail("BadField", parsed.error, "discovery-token-ca-cert-hash")
    pins.push(parsed.pin)
  }
  if (fields.certificateKey !== "") {
    const bad = certificateKeyError(fields.certificateKey)
    if (bad !== undefined) return fail("BadField", bad, "certificate-key")
    if (!fields.controlPlane)
      return fail(
        "BadField",
        "a certificate key is only used by a control-plane join (--control-plane)",
        "certificate-key"
      )
  }
  return Either.right({
    apiServerEndpoint: fields.apiServerEndpoint,
    token: fields.token,
    caCertHashes: pins,
    controlPlane: fields.controlPlane,
    certificateKey: fields.certificateKey.toLowerCase()
  })
}

/** The join string of a join line's values, checked as the join checks its flags first. */
export const encodeJoinString = (fields: JoinStringFields): Either.Either<string, JoinStringError> =>
  Either.map(checkFields(fields), (f) => {
    const options = (f.controlPlane ? CONTROL_PLANE : 0) | (f.certificateKey === "" ? 0 : HAS_KEY)
    const body = new Uint8Array([
      options,
      ...new TextEncoder().encode(f.token.replace(".", "")),
      f.caCertHashes.length,
      ...f.caCertHashes.flatMap((pin) => [...hexBytes(pin.slice("sha256:".length))]),
      ...(f.certificateKey === "" ? [] : hexBytes(f.certificateKey)),
      ...new TextEncoder().encode(f.apiServerEndpoint)
    ])
    return joinStringPrefix + encodeBase32(new Uint8Array([...body, ...checksum(body)]))
  })

/** The values of a join string, every one checked; Left says what is wrong without quoting the string. */
export const decodeJoinString = (text: string): Either.Either<JoinStringFields, JoinStringError> => {
  const version = /^kts([0-9])/.exec(text)?.[1]
  if (version === undefined) return fail("NotAJoinString", `it does not start with "${joinStringPrefix}"`)
  if (version !== String(joinStringVersion))
    return fail(
      "UnsupportedVersion",
      `it is version ${version}; this kubeadm-ts reads version ${joinStringVersion} ("${joinStringPrefix}...")`
    )
  if (text.length > MAX_CHARS)
    return fail("BadLength", `it is ${text.length} characters long, longer than any join string (pasted twice?)`)
  const decoded = decodeBase32(text.slice(joinStringPrefix.length))
  if (!("problem" in decoded && decoded.problem === "character") && text.length < MIN_CHARS)
    return fail("BadLength", `it is ${text.length} characters long, shorter than any join string (cut off?)`)
  if ("problem" in decoded) {
    switch (decoded.problem) {
      case "character":
        return fail(
          "BadCharacter",
          `character ${decoded.position + joinStringPrefix.length + 1} is not one a join string holds (a-z, 2-7 after "${joinStringPrefix}")`
        )
      case "length":
        return fail("BadLength", `it is ${text.length} characters long, a length no join string has (cut off?)`)
      case "spare-bits":
        return fail("ChecksumMismatch", "its last character is wrong")
    }
  }
  const bytes = decoded.bytes
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES)
  const sum = checksum(body)
  if (sum.some((b, i) => b !== bytes[body.length + i])) return fail("ChecksumMismatch", "its checksum does not match")
  return parseBody(body)
}

/** The fields of a body whose checksum matched (so it came from an encoder, maybe another version's). */
const parseBody = (body: Uint8Array): Either.Either<JoinStringFields, JoinStringError> => {
  const options = body[0] ?? 0
  if ((options & ~(CONTROL_PLANE | HAS_KEY)) !== 0)
    return fail("BadField", `unknown options 0x${options.toString(16)}`, "options")
  let at = 1
  const token = String.fromCharCode(...body.subarray(at, at + TOKEN_CHARS))
  at += TOKEN_CHARS
  const count = body[at] ?? 0
  at += 1
  const keyBytes = (options & HAS_KEY) === 0 ? 0 : KEY_BYTES
  if (body.length < at + count * PIN_BYTES + keyBytes + 1)
    return fail("BadLength", "it is shorter than the fields it declares")
  const pins = Array.from({ length: count }, (_, i) => {
    const start = at + i * PIN_BYTES
    return `sha256:${hex(body.subarray(start, start + PIN_BYTES))}`
  })
  at += count * PIN_BYTES
  const certificateKey = keyBytes === 0 ? "" : hex(body.subarray(at, at + KEY_BYTES))
  at += keyBytes
  let endpoint: string
  try {
    endpoint = new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(at))
  } catch {
    return fail("BadField", "the API server endpoint is not UTF-8 text", "api-server-endpoint")
  }
  return checkFields({
    apiServerEndpoint: endpoint,
    token: `${token.slice(0, 6)}.${token.slice(6)}`,
    caCertHashes: pins,
    controlPlane: (options & CONTROL_PLANE) !== 0,
    certificateKey
  })
}
