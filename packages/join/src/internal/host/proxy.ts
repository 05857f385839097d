/**
 * Which proxy a request would use, following the rules of Go's
 * golang.org/x/net/http/httpproxy (what kubeadm's HTTPProxy and HTTPProxyCIDR
 * checks consult): HTTP(S)_PROXY chosen by scheme, NO_PROXY entries as `*`,
 * CIDR ranges, exact IPs (optionally with a port), and domains that also
 * match their subdomains (`foo.com`, `.foo.com`, `*.foo.com`, optional port).
 */
import { Option } from "effect"
import { isIP } from "../net/ip.js"

/** An address as bytes; IPv4 as 4 bytes, IPv4-mapped IPv6 folded to IPv4 (Go compares them equal). */
const ipBytes = (text: string): Uint8Array | undefined => {
  const kind = isIP(text)
  if (kind === 4) return Uint8Array.from(text.split(".").map(Number))
  if (kind !== 6) return undefined
  let s = text.toLowerCase()
  let tail: number[] = []
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (dotted?.[1] !== undefined) {
    tail = dotted[1].split(".").map(Number)
    s = s.slice(0, s.length - dotted[1].length) + "0:0" // two placeholder groups, replaced below
  }
  const [head = "", rest] = s.split("::")
  const groups = (part: string) => (part === "" ? [] : part.split(":"))
  const left = groups(head)
  const right = rest === undefined ? [] : groups(rest)
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
  const bytes = new Uint8Array(16)
  all.forEach((g, i) => {
    const v = parseInt(g, 16)
    bytes[2 * i] = v >> 8
    bytes[2 * i + 1] = v & 0xff
  })
  if (tail.length === 4) bytes.set(tail, 12)
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  return mapped ? bytes.slice(12) : bytes
}

const IPV6_LOOPBACK = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i])

type Matcher = (host: string, port: string, ip: Uint8Array | undefined) => boolean

const cidrMatcher = (entry: string): Matcher | undefined => {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(entry)
  if (m?.[1] === undefined || m[2] === undefined) return undefined
  const net = ipBytes(m[1])
  const bits = Number(m[2])
  if (net === undefined || bits > (isIP(m[1]) === 4 ? 32 : 128)) return undefined
  // an IPv4-mapped v6 network was folded to 4 bytes: its prefix counts the 96 bits dropped
  const width = isIP(m[1]) === 6 && net.length === 4 ? bits - 96 : bits
  if (width < 0) return undefined
  return (_host, _port, ip) => {
    if (ip === undefined || ip.length !== net.length) return false
    for (let i = 0; i < width; i++) {
      const byte = i >> 3
      const bit = 0x80 >> (i & 7)
      if (((ip[byte] ?? 0) & bit) !== ((net[byte] ?? 0) & bit)) return false
    }
    return true
  }
}

/** Split `host:port` / `[v6]:port`; undefined when the entry has no port part (Go's SplitHostPort fails). */
const splitHostPort = (entry: string): { host: string; port: string } | undefined => {
  const v6 = /^\[([^\]]*)\]:(\d*)$/.exec(entry)
  if (v6?.[1] !== undefined && v6[2] !== undefined) return { host: v6[1], port: v6[2] }
  const i = entry.lastIndexOf(":")
  if (i < 0 || entry.indexOf(":") !== i) return undefined
  return { host: entry.slice(0, i), port: entry.slice(i + 1) }
}

const matchers = (noProxy: string): ReadonlyArray<Matcher> => {
  const out: Array<Matcher> = []
  for (const raw of noProxy.split(",")) {
    const entry = raw.trim().toLowerCase()
    if (entry === "") continue
    if (entry === "*") return [() => true]
    const cidr = cidrMatcher(entry)
    if (cidr !== undefined) {
      out.push(cidr)
      continue
    }
    const split = splitHostPort(entry)
    let host = split?.host ?? entry
    const port = split?.port ?? ""
    if (split !== undefined && host === "") continue // a bare ":port" is malformed; ignored
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
    const ip = ipBytes(host)
    if (ip !== undefined) {
      out.push((_h, p, addr) => addr !== undefined && sameBytes(ip, addr) && (port === "" || port === p))
      continue
    }
    if (host.startsWith("*.")) host = host.slice(1)
    const exact = !host.startsWith(".")
    const suffix = exact ? "." + host : host
    out.push((h, p) => (h.endsWith(suffix) || (exact && h === host)) && (port === "" || port === p))
  }
  return out
}

const firstSet = (env: NodeJS.ProcessEnv, ...names: ReadonlyArray<string>): string => {
  for (const n of names) {
    const v = env[n]
    if (v !== undefined && v !== "") return v
  }
  return ""
}

/** True when NO_PROXY (as given) exempts a request to `host` on `port`. */
export const noProxyExempts = (noProxy: string, host: string, port: string): boolean => {
  const h = host
    .replace(/^\[|\]$/g, "")
    .trim()
    .toLowerCase()
  const ip = ipBytes(h)
  return matchers(noProxy).some((m) => m(h, port, ip))
}

/** The proxy a request to `url` would go through with this environment, if any. */
export const proxyForUrl = (url: string, env: NodeJS.ProcessEnv): Option.Option<string> => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return Option.none() // nothing can be sent to it, through a proxy or not: the request says why
  }
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase()
  const proxy =
    u.protocol === "https:" ? firstSet(env, "HTTPS_PROXY", "https_proxy") : firstSet(env, "HTTP_PROXY", "http_proxy")
  if (proxy === "") return Option.none()
  // localhost and loopback addresses never go through a proxy
  const ip = ipBytes(host)
  if (host === "localhost" || (ip !== undefined && (ip.length === 4 ? ip[0] === 127 : sameBytes(ip, IPV6_LOOPBACK)))) {
    return Option.none()
  }
  const port = u.port !== "" ? u.port : u.protocol === "https:" ? "443" : "80"
  if (noProxyExempts(firstSet(env, "NO_PROXY", "no_proxy"), host, port)) return Option.none()
  // like Go's parseProxy: a proxy given without a scheme is an http:// one
  return Option.some(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`)
}
