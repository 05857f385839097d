/**
 * Value formats a JoinConfiguration is checked against (spec join-node §1.6),
 * as pure functions. Each returns `undefined` when the value is fine, else the
 * detail text kubeadm prints after the field path.
 */
import { isIP } from "../internal/net/ip.js"

/** `[a-z0-9]{6}.[a-z0-9]{16}`: group 1 is the public id, group 2 the secret. */
export const bootstrapTokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/

/** Whether a token has the bootstrap-token shape (`abcdef.0123456789abcdef`). */
export const isBootstrapToken = (token: string): boolean => bootstrapTokenPattern.test(token)

/** A token as it may appear in a message: the secret part is never shown. */
export const redactToken = (token: string): string => {
  const dot = token.indexOf(".")
  return dot < 0 ? "<redacted>" : `${token.slice(0, dot)}.<redacted>`
}

/** Go's `%q` for the strings we print (ASCII escapes, like strconv.Quote). */
export const goQuote = (s: string): string => {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0
    if (ch === '"' || ch === "\\") out += "\\" + ch
    else if (ch === "\n") out += "\\n"
    else if (ch === "\t") out += "\\t"
    else if (ch === "\r") out += "\\r"
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0")
    else out += ch
  }
  return out + '"'
}

/** Go's `%#U` of one character, as in `encoding/hex: invalid byte: U+0067 'g'`. */
const goCodePoint = (ch: string): string =>
  `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")} '${ch}'`

/** Go `net.SplitHostPort` failure text for `host:port`, or undefined when it splits. */
export const splitHostPortError = (hostport: string): string | undefined => {
  const fail = (why: string) => (hostport === "" ? why : `address ${hostport}: ${why}`)
  const i = hostport.lastIndexOf(":")
  if (i < 0) return fail("missing port in address")
  let j = 0
  let k = 0
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]")
    if (end < 0) return fail("missing ']' in address")
    if (end + 1 === hostport.length) return fail("missing port in address")
    if (end + 1 !== i) return fail(hostport[end + 1] === ":" ? "too many colons in address" : "missing port in address")
    j = 1
    k = end + 1
  } else if (hostport.slice(0, i).includes(":")) {
    return fail("too many colons in address")
  }
  if (hostport.slice(j).includes("[")) return fail("unexpected '[' in address")
  if (hostport.slice(k).includes("]")) return fail("unexpected ']' in address")
  return undefined
}

/**
 * What `host:port` must also satisfy to be dialled (Go's SplitHostPort alone accepts
 * `host:`, `host:99999` and `host:64x3`, which then fail only at connection time, retried
 * for minutes): a host that fits in a URL and a decimal port from 1 to 65535.
 * Call after `splitHostPortError` passed; undefined when fine.
 */
export const endpointError = (hostport: string): string | undefined => {
  const i = hostport.lastIndexOf(":")
  const host = hostport.slice(0, i)
  const port = hostport.slice(i + 1)
  if (host === "" || host === "[]") return `address ${hostport}: missing host in the api-server-endpoint argument`
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return `address ${hostport}: invalid port ${goQuote(port)} in the api-server-endpoint argument: must be a number from 1 to 65535`
  }
  if (!URL.canParse(`https://${hostport}/`))
    return `address ${hostport}: invalid host ${goQuote(host)} in the api-server-endpoint argument`
  return undefined
}

/**
 * A URL whose host is an IPv4-mapped IPv6 address (`[::ffff:a.b.c.d]`, any spelling) with
 * the plain IPv4 host instead; any other URL unchanged. Go treats the two as the same
 * address (net.IP.To4), so it dials IPv4 and matches the certificate's IPv4 SAN; Node would
 * compare the IPv6 text with the SAN and refuse a certificate Go accepts.
 */
export const unmapIpv4Url = (url: string): string => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return url
  }
  // The WHATWG parser prints every IPv4-mapped spelling as [::ffff:XXXX:YYYY].
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(u.hostname)
  if (m === null) return url
  const hi = parseInt(m[1] ?? "0", 16)
  const lo = parseInt(m[2] ?? "0", 16)
  u.hostname = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  return /\/$/.test(url) || u.pathname !== "/" || u.search !== "" ? u.toString() : u.toString().replace(/\/$/, "")
}

/** Go url.Parse's scheme (lower-cased), "" when there is none; a parse error text when the scheme is empty. */
export const urlScheme = (raw: string): { readonly scheme: string } | { readonly error: string } => {
  if (raw.startsWith(":")) return { error: `parse ${goQuote(raw)}: missing protocol scheme` }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)
  return { scheme: m?.[1]?.toLowerCase() ?? "" }
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** One message per violation, as Kubernetes' IsDNS1123Subdomain. */
export const dns1123SubdomainErrors = (name: string): ReadonlyArray<string> => {
  const errors: string[] = []
  if (name.length > 253) errors.push("must be no more than 253 characters")
  if (!dns1123Subdomain.test(name)) {
    errors.push(
      "a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )
  }
  return errors
}

const hexPattern = /^[0-9a-fA-F]*$/

/** Where a hex string stops being hex (Go's hex.DecodeString error), or undefined. */
const hexError = (value: string, showByte: boolean): string | undefined => {
  if (hexPattern.test(value)) return value.length % 2 === 0 ? undefined : "encoding/hex: odd length hex string"
  // code points, not UTF-16 units: Go prints the offending rune whole
  const runes = Array.from(value)
  const index = runes.findIndex((ch) => !/[0-9a-fA-F]/.test(ch))
  const bad = runes[index] ?? ""
  return showByte ? `encoding/hex: invalid byte: ${goCodePoint(bad)}` : `encoding/hex: invalid byte at offset ${index}`
}

/**
 * A `--discovery-token-ca-cert-hash` value (current kubeadm wording). Returns the
 * normalised `sha256:<lower hex>` pin or the failure text.
 */
export const parseCaCertHash = (pin: string): { readonly pin: string } | { readonly error: string } => {
  const parts = pin.split(":")
  if (parts.length !== 2) return { error: 'invalid hash, expected "format:hex-value". Known format(s) are: sha256' }
  const [format = "", value = ""] = parts
  if (format.toLowerCase() !== "sha256")
    return { error: `unknown hash format ${goQuote(format)}. Known format(s) are: sha256` }
  const bytes = Math.floor(value.length / 2)
  if (bytes !== 32)
    return { error: `invalid hash ${goQuote(pin)}, expected a 32 byte SHA-256 hash, found ${bytes} bytes` }
  const bad = hexError(value, true)
  if (bad !== undefined) return { error: `invalid hash ${goQuote(pin)}, could not decode SHA-256 from hex: ${bad}` }
  return { pin: `sha256:${value.toLowerCase()}` }
}

/** `--certificate-key`: hex of a 32-byte AES key. The text never quotes the key itself. */
export const certificateKeyError = (key: string): string | undefined => {
  const bad = hexError(key, false)
  if (bad !== undefined) return `certificate key decoding error: ${bad}`
  if (key.length !== 64) return `invalid certificate key size ${key.length / 2}, the key must be an AES key of size 32`
  return undefined
}

/** Whether a text is an IPv4 or IPv6 address (no CIDR, no port). */
export const isIpAddress = (value: string): boolean => isIP(value) !== 0

/**
 * Whether an address may be advertised by an API server: a real unicast IP.
 * Loopback addresses are accepted on purpose (simulated nodes live on 127.0.x.y).
 */
export const isAdvertisableAddress = (value: string): boolean => {
  const kind = isIP(value)
  if (kind === 4) {
    const [a = 0, b = 0] = value.split(".").map(Number)
    if (value === "0.0.0.0" || value === "255.255.255.255") return false
    if (a >= 224) return false // multicast and reserved
    return !(a === 169 && b === 254) // link-local
  }
  if (kind === 6) {
    const v = value.toLowerCase()
    if (v === "::" || v === "::0") return false
    if (v.startsWith("ff")) return false // multicast
    return !/^fe[89ab]/.test(v) // link-local
  }
  return false
}

/** Go duration syntax (`5m0s`, `1h30m`, `300ms`, `1.5s`) in milliseconds, or undefined. */
export const parseGoDuration = (text: string): number | undefined => {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  if (text === "0") return 0
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text)
  if (m === null) return undefined
  let total = 0
  for (const part of text.replace(/^[+-]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (units[part[2] ?? "s"] ?? 0)
  }
  return m[1] === "-" ? -total : total
}

/** Go's time.Duration.String for a whole number of milliseconds: `4m0s`, `1h30m0s`, `1.5s`, `500ms`, `0s`. */
export const formatGoDuration = (ms: number): string => {
  if (ms === 0) return "0s"
  const sign = ms < 0 ? "-" : ""
  let rest = Math.abs(Math.round(ms))
  if (rest < 1000) return `${sign}${rest}ms`
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const s = Math.floor(rest / 1000)
  const frac = rest - s * 1000
  const seconds = frac === 0 ? `${s}` : `${s}.${String(frac).padStart(3, "0").replace(/0+$/, "")}`
  return h > 0 ? `${sign}${h}h${m}m${seconds}s` : m > 0 ? `${sign}${m}m${seconds}s` : `${sign}${seconds}s`
}
