/** Small IP helpers for SANs (IPv4 and IPv6, canonical text); a bad CIDR is a PkiError. */
import { isIP, isIPv4 } from "../internal/net/ip.js"
import { PkiError } from "./errors.js"

const v6ToBigInt = (ip: string): bigint => {
  let text = ip
  // embedded IPv4 tail
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1]
  if (v4 !== undefined) {
    const n = v4ToNumber(v4)
    text = text.slice(0, -v4.length) + ((n >>> 16) & 0xffff).toString(16) + ":" + (n & 0xffff).toString(16)
  }
  const [head = "", tail] = text.split("::")
  const h = head === "" ? [] : head.split(":")
  const t = tail === undefined ? [] : tail === "" ? [] : tail.split(":")
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t]
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n)
}

const v4ToNumber = (ip: string): number => ip.split(".").reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0)
const numberToV4 = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".")

const bigIntToV6 = (n: bigint): string => {
  const groups: string[] = []
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16))
  // compress the longest run of zero groups (RFC 5952)
  let best = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === "0") j++
    if (j - i > bestLen && j - i > 1) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  if (best < 0) return groups.join(":")
  return groups.slice(0, best).join(":") + "::" + groups.slice(best + bestLen).join(":")
}

/** Canonical text of an IP (so `0:0::1` equals `::1`); the input when it is not an IP. */
export const canonicalIp = (ip: string): string => {
  const kind = isIP(ip)
  if (kind === 4) return numberToV4(v4ToNumber(ip))
  if (kind === 6) return bigIntToV6(v6ToBigInt(ip))
  return ip
}

/** The first host address of a CIDR (network + 1), e.g. 10.96.0.0/12 -> 10.96.0.1. */
export const firstHostIp = (cidr: string): string => {
  const [addr, bitsText] = cidr.trim().split("/") as [string, string | undefined]
  const bits = Number(bitsText)
  if (!isIP(addr) || bitsText === undefined || !Number.isInteger(bits))
    throw new PkiError({ reason: "InvalidAddress", detail: `"${cidr}" is not a valid CIDR` })
  if (isIPv4(addr)) {
    if (bits < 0 || bits > 32) throw new PkiError({ reason: "InvalidAddress", detail: `"${cidr}" is not a valid CIDR` })
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
    return numberToV4(((v4ToNumber(addr) & mask) >>> 0) + 1)
  }
  if (bits < 0 || bits > 128) throw new PkiError({ reason: "InvalidAddress", detail: `"${cidr}" is not a valid CIDR` })
  const mask = bits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n)
  return bigIntToV6((v6ToBigInt(addr) & mask) + 1n)
}

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`)

/** RFC-1123 subdomain (as kubeadm validates certSANs), or a `*.` wildcard of one. */
export const isDnsSan = (name: string): boolean =>
  name.length <= 253 && (SUBDOMAIN.test(name) || (name.startsWith("*.") && SUBDOMAIN.test(name.slice(2))))

/** Hostname verification semantics: a wildcard matches exactly one left-most label. */
export const dnsMatches = (pattern: string, name: string): boolean => {
  const p = pattern.toLowerCase()
  const n = name.toLowerCase()
  if (p === n) return true
  if (!p.startsWith("*.")) return false
  const dot = n.indexOf(".")
  return dot > 0 && n.slice(dot + 1) === p.slice(2)
}
