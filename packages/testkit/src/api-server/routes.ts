/** URL -> what is being asked for: a discovery document, a non-resource path, or a resource request. */
import { findResource, type ResourceType } from "./resources.js"

/** What a request path asks for; the server dispatches on `kind`. */
export type Route =
  | { readonly kind: "api-versions" }
  | { readonly kind: "api-groups" }
  | { readonly kind: "api-group"; readonly group: string }
  | { readonly kind: "resource-list"; readonly group: string; readonly version: string }
  | { readonly kind: "non-resource"; readonly path: string }
  | {
      readonly kind: "resource"
      readonly group: string
      readonly version: string
      readonly type: ResourceType
      readonly namespace?: string | undefined
      readonly name?: string | undefined
      readonly subresource?: string | undefined
    }
  | { readonly kind: "not-found" }

/** Splits `/api/v1/...` and `/apis/<group>/<version>/...` paths; any other path is a non-resource request. */
export const parseRoute = (path: string): Route => {
  const segs = path
    .split("/")
    .filter((s) => s.length > 0)
    .map(decodeURIComponent)
  if (segs[0] === "api") {
    if (segs.length === 1) return { kind: "api-versions" }
    if (segs[1] !== "v1") return { kind: "not-found" }
    return resourcePath("", "v1", segs.slice(2))
  }
  if (segs[0] === "apis") {
    if (segs.length === 1) return { kind: "api-groups" }
    if (segs.length === 2) return { kind: "api-group", group: segs[1] ?? "" }
    return resourcePath(segs[1] ?? "", segs[2] ?? "", segs.slice(3))
  }
  return { kind: "non-resource", path }
}

const resourcePath = (group: string, version: string, rest: string[]): Route => {
  if (rest.length === 0) return { kind: "resource-list", group, version }
  let namespace: string | undefined
  let parts = rest
  // namespaces/<ns>/<plural>[/...] addresses a namespaced resource; namespaces[/<name>[/status]] the Namespace itself
  const nsScoped =
    rest[0] === "namespaces" &&
    rest.length >= 3 &&
    (group !== "" || findResource(group, version, rest[2] ?? "")?.namespaced === true)
  if (nsScoped) {
    namespace = rest[1]
    parts = rest.slice(2)
  }
  const [plural = "", name, subresource, ...extra] = parts
  const type = findResource(group, version, plural)
  if (!type || extra.length > 0) return { kind: "not-found" }
  if (namespace !== undefined && !type.namespaced) return { kind: "not-found" }
  if (type.namespaced && namespace === undefined && name !== undefined) return { kind: "not-found" }
  if (subresource !== undefined && !(type.subresources ?? []).includes(subresource)) return { kind: "not-found" }
  return { kind: "resource", group, version, type, namespace, name, subresource }
}
