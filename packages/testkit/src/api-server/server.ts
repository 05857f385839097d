/**
 * The in-process HTTPS API server: real TLS (serving certificate from the cluster CA, client
 * certificates requested and verified against it), then per request: faults, authentication,
 * routing, authorization, the verb, the audit record.
 */
import * as https from "node:https"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { AuditLog } from "./audit.js"
import { authenticate, type UserInfo } from "../auth/authentication.js"
import { authorize, forbiddenMessage, type RequestAttributes } from "../auth/authorization.js"
import { apiGroup, apiGroupList, apiVersions, resourceList, versionInfo } from "./discovery-documents.js"
import { Faults } from "../faults/faults.js"
import { create, getOne, list, patch, remove, type Reply, type RequestContext, update } from "./handlers.js"
import { parseRoute, type Route } from "./routes.js"
import { selfSubjectAccessReview } from "../auth/access-review.js"
import { protobufToJson } from "./protobuf.js"
import {
  ApiError,
  forbidden,
  methodNotAllowed,
  pathNotFound,
  statusError,
  unauthorized,
  unsupportedMediaType
} from "./status.js"
import { Store } from "./store.js"
import { serveWatch } from "./watch.js"

/** How to start the fake API server: its serving key pair, the CA client certificates must chain to, and the version it claims. */
export interface ApiServerOptions {
  /** Loopback address to listen on; default 127.0.0.1. */
  readonly address?: string
  /** 0 = any free port (default). */
  readonly port?: number
  readonly servingCertPem: string
  readonly servingKeyPem: string
  /** The cluster CA: client certificates must chain to it. */
  readonly caPem: string
  /** gitVersion reported by /version. */
  readonly kubernetesVersion: string
  readonly store?: Store
}

const MAX_BODY = 4 * 1024 * 1024

const verbOf = (method: string, route: Extract<Route, { kind: "resource" }>, watch: boolean): string => {
  switch (method) {
    case "GET":
      return route.name === undefined ? (watch ? "watch" : "list") : "get"
    case "POST":
      return "create"
    case "PUT":
      return "update"
    case "PATCH":
      return "patch"
    case "DELETE":
      return route.name === undefined ? "deletecollection" : "delete"
    default:
      return method.toLowerCase()
  }
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) req.destroy(new Error("request body too large"))
      else chunks.push(c)
    })
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/** An HTTPS Kubernetes API server in process, enough for kubeadm, kubectl and client-node; with fault injection and an audit log. */
export class ApiServer {
  readonly store: Store
  readonly faults = new Faults()
  readonly audit = new AuditLog()
  private readonly server: https.Server
  private readonly sockets = new Set<Socket>()
  private readonly watches = new Set<() => void>()
  private boundPort = 0

  constructor(private readonly options: ApiServerOptions) {
    this.store = options.store ?? new Store()
    this.server = https.createServer(
      {
        key: options.servingKeyPem,
        cert: options.servingCertPem,
        ca: options.caPem,
        requestCert: true,
        rejectUnauthorized: false
      },
      (req, res) => void this.handle(req, res)
    )
    this.server.on("connection", (s: Socket) => this.track(s))
  }

  private track(s: Socket): void {
    this.sockets.add(s)
    s.on("close", () => this.sockets.delete(s))
  }

  get address(): string {
    return this.options.address ?? "127.0.0.1"
  }

  get port(): number {
    return this.boundPort
  }

  /** `host:port` (IPv6 in brackets). */
  get endpoint(): string {
    return `${this.address.includes(":") ? `[${this.address}]` : this.address}:${this.boundPort}`
  }

  get url(): string {
    return `https://${this.endpoint}`
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject)
      this.server.listen(this.options.port ?? 0, this.address, () => {
        const a = this.server.address()
        this.boundPort = typeof a === "object" && a ? a.port : 0
        this.server.off("error", reject)
        resolve()
      })
    })
  }

  close(): Promise<void> {
    for (const end of [...this.watches]) end()
    for (const s of this.sockets) s.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase()
    const url = new URL(req.url ?? "/", "https://localhost")
    const path = url.pathname
    const route = parseRoute(path)
    const watch = ["true", "1"].includes(url.searchParams.get("watch") ?? "")
    const verb = route.kind === "resource" ? verbOf(method, route, watch) : method.toLowerCase()
    let user: UserInfo | undefined
    const record = (status: number, fault?: string) =>
      this.audit.record({
        time: new Date(),
        method,
        url: req.url ?? path,
        path,
        verb,
        status,
        user: user?.name ?? "",
        groups: user?.groups ?? [],
        via: user?.via ?? "failed",
        bearerSent: req.headers.authorization !== undefined,
        ...(fault ? { fault } : {})
      })
    const sendJson = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      if (res.headersSent) return
      res.writeHead(status, { "content-type": "application/json", ...headers })
      res.end(JSON.stringify(payload))
    }
    try {
      const raw = await readBody(req)
      let body = raw.toString("utf8")
      user = authenticate(this.store, req)
      const faults = this.faults.take({ method, path, user })
      if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs))
      const t = faults.terminal
      if (t?.kind === "reset") {
        record(0, faults.names.join(","))
        req.socket.destroy()
        return
      }
      if (t?.kind === "status") {
        const e = statusError(t.status, t.message)
        sendJson(
          t.status,
          e.body,
          t.retryAfterSeconds !== undefined ? { "retry-after": String(t.retryAfterSeconds) } : {}
        )
        record(t.status, faults.names.join(","))
        return
      }
      if (!user) throw unauthorized()
      user = this.impersonate(user, req)
      const u = user
      const attributes: RequestAttributes =
        route.kind === "resource"
          ? {
              verb,
              group: route.group,
              resource: route.type.plural,
              subresource: route.subresource,
              namespace: route.namespace,
              name: route.name,
              fieldSelector: url.searchParams.get("fieldSelector") ?? undefined
            }
          : {
              verb: method === "GET" || method === "HEAD" ? "get" : method.toLowerCase(),
              group: "",
              resource: "",
              path
            }
      if (!authorize(this.store, u, attributes)) {
        const details =
          attributes.path === undefined
            ? {
                ...(attributes.name ? { name: attributes.name } : {}),
                ...(attributes.group ? { group: attributes.group } : {}),
                kind: attributes.resource
              }
            : undefined
        throw forbidden(forbiddenMessage(u, attributes), details)
      }
      // kubectl's typed clients write protobuf: the few kinds it sends here are translated, others get 415
      const contentType = req.headers["content-type"] ?? ""
      if (raw.length > 0 && contentType.includes("protobuf")) {
        const json = protobufToJson(raw)
        if (!json) throw unsupportedMediaType(contentType, "application/json")
        body = JSON.stringify(json)
      }
      if (route.kind === "resource" && route.type.plural === "selfsubjectaccessreviews" && verb === "create") {
        const reply = selfSubjectAccessReview(this.store, u, body)
        sendJson(reply.status, reply.body)
        record(reply.status)
        return
      }
      if (route.kind === "resource" && verb === "watch") {
        const ctx = {
          store: this.store,
          user: u,
          route,
          query: url.searchParams,
          body,
          contentType: "",
          accept: req.headers.accept
        }
        record(200)
        const end = serveWatch(ctx, res, () => this.watches.delete(end))
        this.watches.add(end)
        return
      }
      const reply = await this.dispatch(route, method, verb, u, url.searchParams, body, req)
      const filtered =
        reply.status < 300
          ? this.faults.filterBody({ method, path, user: u }, reply.body)
          : { body: reply.body, names: [] }
      if (typeof filtered.body === "string") {
        res.writeHead(reply.status, { "content-type": "text/plain; charset=utf-8" })
        res.end(filtered.body)
      } else sendJson(reply.status, filtered.body)
      // a delay is not terminal: it is named together with any body rewrite
      const applied = [...faults.names, ...filtered.names]
      record(reply.status, applied.length > 0 ? applied.join(",") : undefined)
    } catch (e) {
      const err = e instanceof ApiError ? e : statusError(500, `internal error: ${causeText(e)}`)
      sendJson(err.code, err.body, err.headers)
      record(err.code)
    }
  }

  /**
   * `Impersonate-User` / `Impersonate-Group` (kubectl --as / --as-group), allowed to whoever may
   * `impersonate` users and groups (system:masters). Lets kubectl act as system:anonymous, which
   * it cannot do otherwise (it prompts for a password when a kubeconfig has no credentials).
   */
  private impersonate(user: UserInfo, req: IncomingMessage): UserInfo {
    const as = req.headers["impersonate-user"]
    if (typeof as !== "string" || as === "") return user
    const raw = req.headers["impersonate-group"]
    const groups = (Array.isArray(raw) ? raw : raw ? [raw] : [])
      .flatMap((g) => g.split(","))
      .map((g) => g.trim())
      .filter((g) => g !== "")
    const attrs = (resource: string, name: string): RequestAttributes => ({
      verb: "impersonate",
      group: "",
      resource,
      name
    })
    if (!authorize(this.store, user, attrs("users", as))) throw forbidden(forbiddenMessage(user, attrs("users", as)))
    for (const g of groups)
      if (!authorize(this.store, user, attrs("groups", g))) throw forbidden(forbiddenMessage(user, attrs("groups", g)))
    const implicit = as === "system:anonymous" ? [] : ["system:authenticated"]
    return { name: as, groups: [...new Set([...groups, ...implicit])], via: user.via }
  }

  private async dispatch(
    route: Route,
    method: string,
    verb: string,
    user: UserInfo,
    query: URLSearchParams,
    body: string,
    req: IncomingMessage
  ): Promise<Reply> {
    const get = (payload: unknown): Reply => {
      if (method !== "GET") throw methodNotAllowed(`${method} is not allowed here`)
      if (payload === undefined) throw pathNotFound()
      return { status: 200, body: payload }
    }
    switch (route.kind) {
      case "api-versions":
        return get(apiVersions(this.endpoint))
      case "api-groups":
        return get(apiGroupList())
      case "api-group":
        return get(apiGroup(route.group))
      case "resource-list":
        return get(resourceList(route.group, route.version))
      case "not-found":
        throw pathNotFound()
      case "non-resource": {
        const p = route.path.replace(/\/+$/, "") || "/"
        if (p === "/version") return get(versionInfo(this.options.kubernetesVersion))
        if (p === "/healthz" || p === "/livez" || p === "/readyz") return get("ok")
        throw pathNotFound()
      }
      case "resource": {
        const ctx: RequestContext = {
          store: this.store,
          user,
          route,
          query,
          body,
          contentType: req.headers["content-type"] ?? "application/json",
          accept: req.headers.accept
        }
        switch (verb) {
          case "get":
            return getOne(ctx)
          case "list":
            return list(ctx)
          case "create":
            return create(ctx)
          case "update":
            return update(ctx)
          case "patch":
            return patch(ctx)
          case "delete":
            return remove(ctx)
          default:
            throw methodNotAllowed(`${verb} is not supported by this server`)
        }
      }
    }
  }
}
