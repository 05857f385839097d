/** Resource verbs on the store: get, list, create, update, patch, delete, with the API server's checks and errors. */
import { parseCsr } from "@kubeadm-ts/join/crypto"
import type { UserInfo } from "../auth/authentication.js"
import { JsonPatchError, jsonMergePatch, jsonPatch, strategicMergePatch } from "./patch.js"
import { apiVersionOf, resourceKey, type ResourceType } from "./resources.js"
import type { Route } from "./routes.js"
import { selectorMatcher } from "./selectors.js"
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  invalid,
  methodNotAllowed,
  notFound,
  unsupportedMediaType
} from "./status.js"
import { type KubeObject, type Store, StoreError } from "./store.js"
import { toTable, wantsTable } from "./tables.js"
import { validate } from "./validation.js"

/** A route that names a resource type (what every handler here serves). */
export type ResourceRoute = Extract<Route, { kind: "resource" }>

/** A handler's answer: the HTTP status and the JSON body to send. */
export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** One authenticated, authorized resource request, with its body still raw. */
export interface RequestContext {
  readonly store: Store
  readonly user: UserInfo
  readonly route: ResourceRoute
  readonly query: URLSearchParams
  readonly body: string
  readonly contentType: string
  readonly accept: string | undefined
}

/**
 * `?dryRun=All`: the request is authenticated, authorized, defaulted and validated as usual,
 * and answered with what would be stored, but the store is left as it is. Any other value is
 * refused, as the API server does.
 */
export const isDryRun = (query: URLSearchParams): boolean => {
  const values = query.getAll("dryRun")
  if (values.length === 0) return false
  if (values.every((v) => v === "All")) return true
  throw badRequest(`Invalid dry run value: ${values.join(",")}`)
}

/** Objects are stored version-less; the answer carries the version that was asked for. */
export const present = (t: ResourceType, version: string, o: KubeObject): KubeObject => ({
  ...o,
  apiVersion: apiVersionOf(t.group, version),
  kind: t.kind
})

const storeError = (r: ResourceRoute, name: string, e: unknown): never => {
  if (e instanceof StoreError) {
    if (e.code === "NotFound") throw notFound(r.type.plural, r.group, name)
    if (e.code === "AlreadyExists") throw alreadyExists(r.type.plural, r.group, name)
    if (e.code === "Conflict") throw conflict(r.type.plural, r.group, name)
  }
  throw e
}

const parseBody = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    throw badRequest("the request body is not valid JSON")
  }
}

const asObject = (v: unknown): KubeObject => {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw badRequest("the request body must be a JSON object")
  // checked before the cast: the body is the client's, its metadata may be missing or not an object
  const metadata: unknown = (v as Record<string, unknown>)["metadata"]
  const o = v as KubeObject
  if (typeof metadata !== "object" || metadata === null) o.metadata = {}
  return o
}

const requireNamespace = (ctx: RequestContext): void => {
  const ns = ctx.route.namespace
  if (ns !== undefined && !ctx.store.get("namespaces", undefined, ns)) throw notFound("namespaces", "", ns)
}

/** Secrets: `stringData` is write-only, folded into `data` (base64) as the API server does. */
const foldStringData = (r: ResourceRoute, o: KubeObject): void => {
  if (r.type.plural !== "secrets" || typeof o["stringData"] !== "object" || o["stringData"] === null) return
  const data = { ...((o["data"] ?? {}) as Record<string, string>) }
  for (const [k, v] of Object.entries(o["stringData"] as Record<string, unknown>))
    data[k] = Buffer.from(String(v)).toString("base64")
  o["data"] = data
  delete o["stringData"]
}

/** Requests for CSR subresources and other objects with a status only change their part. */
const mergeForSubresource = (r: ResourceRoute, current: KubeObject, incoming: KubeObject): KubeObject => {
  if (r.subresource === "status") return { ...current, status: incoming["status"] }
  if (r.subresource === "approval") {
    const status = (current["status"] ?? {}) as Record<string, unknown>
    const conditions = ((incoming["status"] ?? {}) as Record<string, unknown>)["conditions"]
    return { ...current, status: { ...status, conditions } }
  }
  // the main resource never changes the status of types that have a status subresource
  if ((r.type.subresources ?? []).includes("status")) return { ...incoming, status: current["status"] }
  return incoming
}

/** GET of a named object: the object in the requested version, or a Table when kubectl asks for one; 404 when absent. */
export const getOne = (ctx: RequestContext): Reply => {
  const { route: r } = ctx
  const o = ctx.store.get(resourceKey(r.type), r.namespace, r.name ?? "")
  if (!o) throw notFound(r.type.plural, r.group, r.name ?? "")
  return {
    status: 200,
    body: wantsTable(ctx.accept)
      ? toTable(r.type.plural, [o], o.metadata.resourceVersion ?? "")
      : present(r.type, r.version, o)
  }
}

/** GET of a collection: the objects matching the field and label selectors, as a `<Kind>List` or a Table. */
export const list = (ctx: RequestContext): Reply => {
  const { route: r } = ctx
  const match = selectorMatcher(ctx.query.get("fieldSelector"), ctx.query.get("labelSelector"))
  const items = ctx.store.list(resourceKey(r.type), r.namespace).filter(match)
  const rv = String(ctx.store.resourceVersion)
  if (wantsTable(ctx.accept)) return { status: 200, body: toTable(r.type.plural, items, rv) }
  return {
    status: 200,
    body: {
      kind: `${r.type.kind}List`,
      apiVersion: apiVersionOf(r.group, r.version),
      metadata: { resourceVersion: rv },
      items: items.map((o) => present(r.type, r.version, o))
    }
  }
}

/** v1beta1 defaulting (1.18+): kubelet client CSRs get the kubelet client signer, the rest legacy-unknown. */
const defaultSigner = async (spec: Record<string, unknown>): Promise<string> => {
  const info = await parseCsr(
    Buffer.from(typeof spec["request"] === "string" ? spec["request"] : "", "base64").toString("utf8")
  ).catch(() => undefined)
  const usages = Array.isArray(spec["usages"]) ? (spec["usages"] as unknown[]).map(String) : []
  const kubeletClient =
    info !== undefined &&
    info.organizations.length === 1 &&
    info.organizations[0] === "system:nodes" &&
    info.commonName.startsWith("system:node:") &&
    usages.includes("client auth") &&
    usages.every((u) => ["digital signature", "key encipherment", "client auth"].includes(u))
  return kubeletClient ? "kubernetes.io/kube-apiserver-client-kubelet" : "kubernetes.io/legacy-unknown"
}

/** Server-side defaults and admission for CSRs: the requester's identity, no status from the client. */
const admitCsr = async (ctx: RequestContext, o: KubeObject): Promise<void> => {
  const spec = (o["spec"] ?? {}) as Record<string, unknown>
  spec["username"] = ctx.user.name
  spec["groups"] = [...ctx.user.groups]
  if (!spec["signerName"]) spec["signerName"] = await defaultSigner(spec)
  o["spec"] = spec
  o["status"] = {}
}

/** The last step before the store: stringData folded, validation (422 Invalid), apiVersion/kind dropped (present() adds them per request). */
const admit = async (r: ResourceRoute, o: KubeObject): Promise<void> => {
  foldStringData(r, o)
  const errors = await validate(r.type, r.version, o)
  if (errors.length > 0) throw invalid(r.type.kind, r.group, o.metadata.name ?? "", errors)
  delete o["apiVersion"]
  delete o["kind"]
}

/** POST: namespace checks, CSR admission, generateName, validation, then the store (201, or 409 AlreadyExists). */
export const create = async (ctx: RequestContext): Promise<Reply> => {
  const { route: r } = ctx
  if (r.name !== undefined) throw methodNotAllowed(`POST is not allowed on a named ${r.type.singular}`)
  const o = asObject(parseBody(ctx.body))
  if (r.type.namespaced) {
    if (o.metadata.namespace !== undefined && o.metadata.namespace !== "" && o.metadata.namespace !== r.namespace)
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
    if (r.namespace === undefined) throw methodNotAllowed("create needs a namespace in the URL")
    o.metadata.namespace = r.namespace
  } else delete o.metadata.namespace
  requireNamespace(ctx)
  if (r.type.plural === "certificatesigningrequests") await admitCsr(ctx, o)
  // as in Kubernetes, the name is generated before validation, so validation sees the real name
  if (!o.metadata.name && o.metadata.generateName)
    o.metadata.name = ctx.store.freeName(resourceKey(r.type), o.metadata.namespace, o.metadata.generateName)
  await admit(r, o)
  if (isDryRun(ctx.query)) {
    const name = o.metadata.name ?? ""
    if (ctx.store.get(resourceKey(r.type), o.metadata.namespace, name))
      throw alreadyExists(r.type.plural, r.group, name)
    return { status: 201, body: present(r.type, r.version, o) }
  }
  try {
    return { status: 201, body: present(r.type, r.version, ctx.store.create(resourceKey(r.type), o)) }
  } catch (e) {
    return storeError(r, o.metadata.name ?? "", e)
  }
}

const replace = async (ctx: RequestContext, next: KubeObject, current: KubeObject): Promise<Reply> => {
  const { route: r } = ctx
  const merged = mergeForSubresource(r, current, next)
  merged.metadata = { ...merged.metadata, name: current.metadata.name ?? "" }
  if (r.namespace !== undefined) merged.metadata.namespace = r.namespace
  if (r.type.plural === "certificatesigningrequests") merged["spec"] = current["spec"] // immutable
  await admit(r, merged)
  if (isDryRun(ctx.query))
    return {
      status: 200,
      body: present(r.type, r.version, { ...merged, metadata: { ...current.metadata, ...merged.metadata } })
    }
  try {
    return { status: 200, body: present(r.type, r.version, ctx.store.update(resourceKey(r.type), merged)) }
  } catch (e) {
    return storeError(r, merged.metadata.name ?? "", e)
  }
}

/** PUT: the name must match the URL and a resourceVersion, when sent, the stored one (409 Conflict). */
export const update = async (ctx: RequestContext): Promise<Reply> => {
  const { route: r } = ctx
  const name = r.name ?? ""
  const o = asObject(parseBody(ctx.body))
  if (o.metadata.name !== undefined && o.metadata.name !== name)
    throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`)
  const current = ctx.store.get(resourceKey(r.type), r.namespace, name)
  if (!current) throw notFound(r.type.plural, r.group, name)
  if (o.metadata.resourceVersion && o.metadata.resourceVersion !== current.metadata.resourceVersion)
    throw conflict(r.type.plural, r.group, name)
  return replace(ctx, o, current)
}

/** PATCH in the three content types clients send; a bad JSON patch is 422, a stale resourceVersion in it 409. */
export const patch = async (ctx: RequestContext): Promise<Reply> => {
  const { route: r } = ctx
  const name = r.name ?? ""
  const current = ctx.store.get(resourceKey(r.type), r.namespace, name)
  if (!current) throw notFound(r.type.plural, r.group, name)
  const body = parseBody(ctx.body) as never
  const type = ctx.contentType.split(";")[0]?.trim() ?? ""
  let next: unknown
  try {
    if (type === "application/merge-patch+json") next = jsonMergePatch(current as never, body)
    else if (type === "application/strategic-merge-patch+json") next = strategicMergePatch(current as never, body)
    else if (type === "application/json-patch+json") next = jsonPatch(current as never, body)
    else throw unsupportedMediaType(type)
  } catch (e) {
    if (e instanceof JsonPatchError)
      throw new ApiError({ ...invalid(r.type.kind, r.group, name, []).body, code: 422, message: e.message })
    throw e
  }
  const o = asObject(next)
  // a resourceVersion in the patch is a precondition
  const patchedRv = o.metadata.resourceVersion
  if (patchedRv !== undefined && patchedRv !== current.metadata.resourceVersion)
    throw conflict(r.type.plural, r.group, name)
  return replace(ctx, o, current)
}

/** DELETE of a named object: a `Status` Success naming it, or the store's error (404). */
export const remove = (ctx: RequestContext): Reply => {
  const { route: r } = ctx
  const name = r.name ?? ""
  try {
    const gone = isDryRun(ctx.query)
      ? (ctx.store.get(resourceKey(r.type), r.namespace, name) ?? storeError(r, name, new StoreError("NotFound", name)))
      : ctx.store.delete(resourceKey(r.type), r.namespace, name)
    return {
      status: 200,
      body: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: { name, ...(r.group ? { group: r.group } : {}), kind: r.type.plural, uid: gone.metadata.uid }
      }
    }
  } catch (e) {
    return storeError(r, name, e)
  }
}
