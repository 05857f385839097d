/**
 * A TLS-terminating fault proxy for the real API server and the real etcd: it
 * sits between a join and the real component, sees each HTTP request (it holds a
 * serving certificate signed by the cluster's own CA), names its kind, and can
 * break that request in the ways networks and servers break: a 500, a 429 with
 * Retry-After, a reset before or after the request reached the server, a
 * response that never comes, one that trickles byte by byte, and a TLS
 * handshake that never completes.
 *
 * Identities pass through: a bearer token or anonymous request is forwarded as
 * is; a client certificate (verified here against the cluster CA) is forwarded
 * to the API server as the front proxy's request headers (X-Remote-User and
 * X-Remote-Group, with the cluster's front-proxy-client certificate, as the
 * aggregation layer does) and to etcd by presenting an etcd client certificate.
 *
 * etcd is reached through its v3 JSON gateway (HTTP/1.1 POST /v3/...), which is
 * what kubeadm-ts speaks, so etcd requests are classified by method path like the
 * API server's. Its "500" is what the gateway sends for gRPC Unavailable (HTTP 503,
 * code 14) and its "429" what it sends for ResourceExhausted (HTTP 429, code 8),
 * with a Retry-After.
 *
 * A TLS handshake carries no request, so "tls-hang" is a connection fault: it
 * hangs the n-th connection the proxy accepts (n from a clean run's order, see
 * `connectionKinds`), or, persistent, every connection from the n-th on.
 */
import { execFileSync } from "node:child_process"
import { X509Certificate } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tls from "node:tls"

/** The faults the proxy injects. */
export type ProxyFault = "500" | "429" | "reset-before" | "reset-after" | "stall" | "trickle" | "tls-hang"

/** Every fault, in the order the matrix tables list them. */
export const PROXY_FAULTS: ReadonlyArray<ProxyFault> = [
  "500",
  "429",
  "reset-before",
  "reset-after",
  "stall",
  "trickle",
  "tls-hang"
]

/** Which API the proxy fronts: its error bodies and how identities are forwarded differ. */
export type ProxyFlavour = "kube-apiserver" | "etcd"

/** A fault waiting for its request (or, for tls-hang, its connection). */
export interface ArmedFault {
  /** The request kind it applies to (see `classifyKube` and `classifyEtcd`). */
  readonly kind: string
  readonly fault: ProxyFault
  /** Every matching request (or, for tls-hang, every connection from the given one) instead of the first. */
  readonly persistent?: boolean
  /** tls-hang only: the 0-based ordinal of the connection to hang, counted from `reset()`. */
  readonly connection?: number
  /**
   * tls-hang only, instead of `connection`: hang the first connection accepted once a request
   * of this kind has been answered with success (when the join makes its requests one after
   * the other, the connection of the request that follows it). Not thrown off by the retries of
   * other faults armed in the same run, as an ordinal would be.
   */
  readonly afterKind?: string
}

/** How one armed fault fared. */
export interface FaultHits {
  readonly hits: () => number
}

/** What the proxy saw of one request and did to it. */
export interface SeenRequest {
  readonly kind: string
  readonly connection: number
  readonly fault?: ProxyFault
}

/** The running proxy. */
export interface FaultProxy {
  readonly flavour: ProxyFlavour
  /** `host:port` the proxy listens on. */
  readonly address: string
  readonly url: string
  readonly arm: (fault: ArmedFault) => FaultHits
  /** Drops every armed fault, the request log and the connection count. */
  readonly reset: () => void
  readonly seen: () => ReadonlyArray<SeenRequest>
  /** The kind of the first request of each connection accepted since `reset()` (undefined: none came, e.g. a hung handshake). */
  readonly connectionKinds: () => ReadonlyArray<string | undefined>
  readonly close: () => Promise<void>
}

/** TLS material of the proxy, all PEM. */
export interface FaultProxyOptions {
  readonly flavour: ProxyFlavour
  /** Where to listen (an address of this host); port 0 picks one. */
  readonly listen: { readonly host: string; readonly port?: number }
  readonly target: { readonly host: string; readonly port: number }
  /** The proxy's serving certificate and key (see `servingCertificate`). */
  readonly serving: { readonly cert: string; readonly key: string }
  /** The CA client certificates must chain to (the cluster CA; etcd's CA for etcd). */
  readonly clientCa: string
  /** The CA of the target's serving certificate. */
  readonly targetCa: string
  /**
   * The certificate the proxy presents upstream for a client that authenticated with one: the
   * front-proxy-client for the API server, an etcd client certificate for etcd.
   */
  readonly upstreamClient: { readonly cert: string; readonly key: string }
  /** Text replacements applied to every non-streaming response body (e.g. the target's address to the proxy's). */
  readonly rewrite?: ReadonlyArray<readonly [from: string, to: string]>
  /** A rewrite of whole non-streaming response bodies of one kind (after `rewrite`), e.g. a timing to pin down. */
  readonly transform?: (kind: string, body: string) => string
  /** Pause between two trickled bytes (default: none, but each byte its own write). */
  readonly trickleDelayMs?: number
}

const configMapKinds: Record<string, string> = {
  "kube-public/cluster-info": "GET cluster-info",
  "kube-system/kubeadm-config": "GET kubeadm-config",
  "kube-system/kubelet-config": "GET kubelet-config"
}

/** The request kinds of the API server a join makes, named by what they are for. */
export const classifyKube = (method: string, path: string, query: URLSearchParams): string => {
  const cm = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/.exec(path)
  if (cm && method === "GET") return configMapKinds[`${cm[1]}/${cm[2]}`] ?? `GET ConfigMap ${cm[1]}/${cm[2]}`
  if (/\/certificatesigningrequests$/.test(path))
    return method === "POST" ? "CSR create" : query.get("watch") === "true" ? "CSR watch" : `CSR ${method}`
  if (/\/watch\/certificatesigningrequests/.test(path)) return "CSR watch"
  if (/\/certificatesigningrequests\/[^/]+$/.test(path)) return `CSR ${method === "GET" ? "get" : method}`
  if (path === "/api/v1/nodes" && method === "POST") return "Node create"
  if (/^\/api\/v1\/nodes\/[^/]+$/.test(path)) return `Node ${method === "GET" ? "get" : method.toLowerCase()}`
  if (/^\/api\/v1\/namespaces\/kube-system\/secrets\/kubeadm-certs$/.test(path)) return "GET Secret kubeadm-certs"
  if (/^\/api\/v1\/namespaces\/kube-system\/pods$/.test(path)) return `list Pods ${query.get("labelSelector") ?? ""}`
  const role = /\/(roles|rolebindings)\/?([^/]*)$/.exec(path)
  if (role) return `${method} ${role[1]}`
  return `${method} ${path}`
}

const etcdKinds: Record<string, string> = {
  "/v3/cluster/member/list": "etcd MemberList",
  "/v3/cluster/member/add": "etcd MemberAdd",
  "/v3/cluster/member/promote": "etcd MemberPromote",
  "/v3/cluster/member/remove": "etcd MemberRemove",
  "/v3/maintenance/status": "etcd Status"
}

/** The etcd v3 gateway calls, by gRPC method. */
export const classifyEtcd = (method: string, path: string): string => etcdKinds[path] ?? `etcd ${method} ${path}`

/**
 * A serving certificate for `ips`, signed by the CA at `caCert`/`caKey` (a cluster's CA
 * files, as kubeadm init wrote them), made with openssl.
 */
export const servingCertificate = (
  caCert: string,
  caKey: string,
  ips: ReadonlyArray<string>
): { cert: string; key: string } => {
  const dir = mkdtempSync(join(tmpdir(), "kubeadm-ts-proxy-cert-"))
  try {
    const f = (n: string) => join(dir, n)
    const ossl = (...args: Array<string>) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] })
    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f("key.pem"))
    ossl("req", "-new", "-key", f("key.pem"), "-subj", "/CN=fault-proxy", "-out", f("csr.pem"))
    writeFileSync(
      f("ext.cnf"),
      `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`
    )
    ossl(
      "x509",
      "-req",
      "-in",
      f("csr.pem"),
      "-CA",
      caCert,
      "-CAkey",
      caKey,
      "-set_serial",
      String(Date.now()),
      "-days",
      "2",
      "-extfile",
      f("ext.cnf"),
      "-out",
      f("crt.pem")
    )
    return { cert: readFileSync(f("crt.pem"), "utf8"), key: readFileSync(f("key.pem"), "utf8") }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host"
])

const kubeStatus = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code })

/** The answers of the "500" and "429" faults, as the fronted component would word them. */
const statusAnswer = (flavour: ProxyFlavour, fault: "500" | "429") => {
  if (flavour === "etcd")
    return fault === "500"
      ? { status: 503, body: JSON.stringify({ code: 14, message: "etcdserver: unavailable (fault proxy)" }) }
      : { status: 429, body: JSON.stringify({ code: 8, message: "etcdserver: too many requests (fault proxy)" }) }
  return fault === "500"
    ? { status: 500, body: kubeStatus(500, "InternalError", "Internal error occurred: fault proxy") }
    : {
        status: 429,
        body: kubeStatus(429, "TooManyRequests", "Too many requests, please try again later (fault proxy)")
      }
}

const isStreaming = (path: string, query: URLSearchParams) =>
  query.get("watch") === "true" || query.get("watch") === "1" || path.includes("/watch/")

/** Starts the proxy; resolves once it listens. */
export const startFaultProxy = async (options: FaultProxyOptions): Promise<FaultProxy> => {
  interface Armed extends ArmedFault {
    hits: number
  }
  let armed: Array<Armed> = []
  let log: Array<SeenRequest> = []
  let connections: Array<string | undefined> = []
  const sockets = new Set<net.Socket>()
  const rawOf = new WeakMap<net.Socket, { raw: net.Socket; ordinal: number }>()
  const secureSockets = new WeakMap<net.Socket, tls.TLSSocket>()
  const secureContext = tls.createSecureContext({
    cert: options.serving.cert,
    key: options.serving.key,
    ca: options.clientCa
  })

  const takeFault = (kind: string): ProxyFault | undefined => {
    const a = armed.find((f) => f.fault !== "tls-hang" && f.kind === kind && (f.persistent === true || f.hits === 0))
    if (!a) return undefined
    a.hits++
    return a.fault
  }
  const answered = new Set<string>()
  const hangs = (ordinal: number): boolean => {
    const a = armed.find((f) => {
      if (f.fault !== "tls-hang") return false
      if (f.afterKind !== undefined) return answered.has(f.afterKind) && (f.persistent === true || f.hits === 0)
      const n = f.connection ?? 0
      return f.persistent === true ? ordinal >= n : ordinal === n
    })
    if (a) a.hits++
    return a !== undefined
  }

  // A bare TLSSocket (no tls.Server) never sets `authorized`: the client certificate is checked here.
  const clientCa = new X509Certificate(options.clientCa)
  const verifiedPeer = (socket: tls.TLSSocket): boolean => {
    const cert = socket.getPeerX509Certificate()
    if (cert === undefined) return false
    const now = Date.now()
    return (
      cert.checkIssued(clientCa) &&
      cert.verify(clientCa.publicKey) &&
      Date.parse(cert.validFrom) <= now &&
      now <= Date.parse(cert.validTo)
    )
  }

  const reset = (socket: net.Socket) => {
    const raw = rawOf.get(socket)?.raw ?? socket
    if (!raw.destroyed) raw.resetAndDestroy()
  }

  const trickle = async (socket: net.Socket, head: string, body: AsyncIterable<Buffer> | Buffer) => {
    socket.setNoDelay(true)
    const one = (b: Buffer) =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve()
        socket.write(b, () =>
          options.trickleDelayMs ? setTimeout(resolve, options.trickleDelayMs) : setImmediate(resolve)
        )
      })
    const bytes = async (buf: Buffer) => {
      for (let i = 0; i < buf.length && !socket.destroyed; i++) await one(buf.subarray(i, i + 1))
    }
    try {
      await bytes(Buffer.from(head))
      if (Buffer.isBuffer(body)) await bytes(body)
      else for await (const chunk of body) await bytes(chunk)
      socket.end()
    } catch {
      // the server or the client went away mid-way: so does the other side
      socket.destroy()
    }
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket
    const url = new URL(req.url ?? "/", "https://proxy")
    const method = req.method ?? "GET"
    const kind =
      options.flavour === "etcd"
        ? classifyEtcd(method, url.pathname)
        : classifyKube(method, url.pathname, url.searchParams)
    const ordinal = rawOf.get(socket)?.ordinal ?? -1
    if (ordinal >= 0 && connections[ordinal] === undefined) connections[ordinal] = kind
    const fault = takeFault(kind)
    log.push({ kind, connection: ordinal, ...(fault !== undefined ? { fault } : {}) })

    // every connection of this server is a TLSSocket made below
    const peer = secureSockets.get(socket)
    const authenticated = peer !== undefined && verifiedPeer(peer)
    if (options.flavour === "etcd" && !authenticated) {
      // etcd requires a client certificate of its CA
      res.writeHead(401, { "content-type": "application/json" }).end('{"code":16,"message":"no client certificate"}')
      return
    }
    switch (fault) {
      case "500":
      case "429": {
        req.resume()
        const a = statusAnswer(options.flavour, fault)
        res.writeHead(a.status, {
          "content-type": "application/json",
          ...(fault === "429" ? { "retry-after": "1" } : {})
        })
        res.end(a.body)
        return
      }
      case "reset-before":
        reset(socket)
        return
      case "stall":
        req.resume() // read it, answer never
        return
      default:
        break
    }

    const headers: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(req.headers))
      if (!HOP_BY_HOP.has(k) && !k.startsWith("x-remote-") && v !== undefined) headers[k] = v
    headers["host"] = `${options.target.host}:${options.target.port}`
    if (options.flavour === "kube-apiserver" && authenticated) {
      // the aggregation layer's way: the front proxy vouches for the user its client certificate names
      const subject = peer.getPeerCertificate().subject as unknown as Record<string, string | string[] | undefined>
      const cn = subject["CN"]
      const o = subject["O"]
      headers["x-remote-user"] = Array.isArray(cn) ? (cn[0] ?? "") : (cn ?? "")
      const groups = o === undefined ? [] : Array.isArray(o) ? o : [o]
      if (groups.length > 0) headers["x-remote-group"] = groups
    }
    const presentCert = authenticated
    const up = https.request({
      host: options.target.host,
      port: options.target.port,
      method,
      path: req.url ?? "/",
      headers,
      ca: options.targetCa,
      ...(presentCert ? { cert: options.upstreamClient.cert, key: options.upstreamClient.key } : {}),
      agent: false
    })
    req.pipe(up)
    socket.on("close", () => up.destroy())
    up.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`fault proxy: ${e.message}`)
      else res.destroy()
    })
    up.on("response", (ur) => {
      if (fault === "reset-after") {
        // the server did it; the client never hears
        ur.resume()
        reset(socket)
        return
      }
      const streaming = isStreaming(url.pathname, url.searchParams)
      const outHeaders: http.OutgoingHttpHeaders = {}
      for (const [k, v] of Object.entries(ur.headers))
        if (!HOP_BY_HOP.has(k) && k !== "content-length" && v !== undefined) outHeaders[k] = v
      const status = ur.statusCode ?? 502
      if (status < 400) answered.add(kind)
      if (streaming) {
        if (fault === "trickle") {
          const head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\n${Object.entries(outHeaders)
            .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
            .join("\r\n")}\r\nconnection: close\r\n\r\n`
          void trickle(socket, head, ur)
          return
        }
        res.writeHead(status, outHeaders)
        ur.on("error", () => res.destroy())
        ur.pipe(res)
        return
      }
      const chunks: Array<Buffer> = []
      ur.on("data", (c: Buffer) => chunks.push(c))
      ur.on("error", () => res.destroy())
      ur.on("end", () => {
        let text = Buffer.concat(chunks).toString("utf8")
        for (const [from, to] of options.rewrite ?? []) text = text.split(from).join(to)
        if (options.transform && status === 200) text = options.transform(kind, text)
        const body = Buffer.from(text)
        if (fault === "trickle") {
          const head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\n${Object.entries(outHeaders)
            .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
            .join("\r\n")}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`
          void trickle(socket, head, body)
          return
        }
        res.writeHead(status, { ...outHeaders, "content-length": body.length })
        res.end(body)
      })
    })
  }

  const httpServer = http.createServer({ keepAlive: true }, handle)
  httpServer.on("clientError", (_e, socket) => socket.destroy())
  const server = net.createServer((raw) => {
    sockets.add(raw)
    raw.on("close", () => sockets.delete(raw))
    raw.on("error", () => raw.destroy())
    const ordinal = connections.length
    connections.push(undefined)
    if (hangs(ordinal)) return // the ClientHello is never answered
    const secure = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext,
      requestCert: true,
      rejectUnauthorized: false
    })
    rawOf.set(secure, { raw, ordinal })
    secureSockets.set(secure, secure)
    secure.on("error", () => raw.destroy())
    httpServer.emit("connection", secure)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.listen.port ?? 0, options.listen.host, resolve)
  })
  const port = (server.address() as net.AddressInfo).port
  const address = `${options.listen.host}:${port}`
  return {
    flavour: options.flavour,
    address,
    url: `https://${address}`,
    arm: (fault) => {
      const a: Armed = { ...fault, hits: 0 }
      armed.push(a)
      return { hits: () => a.hits }
    },
    reset: () => {
      answered.clear()
      armed = []
      log = []
      connections = []
    },
    seen: () => [...log],
    connectionKinds: () => [...connections],
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      httpServer.close()
    }
  }
}
