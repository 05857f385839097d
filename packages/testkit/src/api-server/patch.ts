/**
 * The three PATCH flavours: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and a
 * strategic merge patch reduced to what kubectl, kubeadm and kubelets send: maps merge, null
 * deletes, lists replace unless the field has a known merge key, `$patch`/`$retainKeys`/
 * `$setElementOrder` directives are honoured or ignored.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v)

/** A shallow copy of `target` (an empty object when it is not one) without the `removed` keys, in the same order. */
const copyWithout = (target: Json, removed: ReadonlySet<string>): { [k: string]: Json } =>
  isObject(target) ? Object.fromEntries(Object.entries(target).filter(([k]) => !removed.has(k))) : {}

/** RFC 7386: maps merge recursively, null deletes, anything else replaces. */
export const jsonMergePatch = (target: Json, patch: Json): Json => {
  if (!isObject(patch)) return structuredClone(patch)
  const nulls = new Set(Object.keys(patch).filter((k) => patch[k] === null))
  const out = copyWithout(target, nulls)
  for (const [k, v] of Object.entries(patch)) if (v !== null) out[k] = jsonMergePatch(out[k] ?? null, v)
  return out
}

/** List fields merged by a key in strategic merge patch (the Kubernetes types' patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  conditions: "type",
  addresses: "type",
  containers: "name",
  initContainers: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  env: "name",
  ports: "containerPort",
  ownerReferences: "uid",
  finalizers: ""
}

const mergeList = (target: Json[], patch: Json[], key: string): Json[] => {
  if (key === "")
    return [...new Set([...target, ...patch].map((v) => JSON.stringify(v)))].map((s) => JSON.parse(s) as Json)
  const out = [...target]
  for (const item of patch) {
    if (!isObject(item)) continue
    const id = item[key]
    const at = out.findIndex((t) => isObject(t) && t[key] === id)
    if (item["$patch"] === "delete") {
      if (at >= 0) out.splice(at, 1)
      continue
    }
    if (at >= 0) out[at] = strategicMergePatch(out[at] ?? null, item)
    else out.push(strategicMergePatch(null, item))
  }
  return out
}

const isDirective = (k: string): boolean => k.startsWith("$setElementOrder/") || k === "$retainKeys" || k === "$patch"

/** Kubernetes' strategic merge patch, reduced to the directives and merge keys our clients use. */
export const strategicMergePatch = (target: Json, patch: Json): Json => {
  if (!isObject(patch)) return structuredClone(patch)
  if (patch["$patch"] === "replace") return structuredClone(copyWithout(patch, new Set(["$patch"])))
  const nulls = new Set(Object.keys(patch).filter((k) => !isDirective(k) && patch[k] === null))
  const out = copyWithout(target, nulls)
  for (const [k, v] of Object.entries(patch)) {
    if (isDirective(k) || v === null) continue
    const current = out[k]
    if (Array.isArray(v) && k in MERGE_KEYS && Array.isArray(current))
      out[k] = mergeList(current, v, MERGE_KEYS[k] ?? "")
    else if (Array.isArray(v)) out[k] = v.map((x) => (isObject(x) ? strategicMergePatch(null, x) : x))
    else out[k] = isObject(v) ? strategicMergePatch(current ?? null, v) : v
  }
  return out
}

/** A malformed or failing RFC 6902 patch; the handler answers 422 Invalid with its message. */
export class JsonPatchError extends Error {}

const unescape = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~")
const pointer = (path: string): string[] => {
  if (path === "") return []
  if (!path.startsWith("/")) throw new JsonPatchError(`invalid JSON pointer "${path}"`)
  return path.slice(1).split("/").map(unescape)
}

const parentOf = (doc: Json, parts: string[]): { parent: Json; key: string } => {
  let cur: Json = doc
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)] ?? null
    else if (isObject(cur)) cur = cur[p] ?? null
    else throw new JsonPatchError(`path not found: /${parts.join("/")}`)
    if (cur === null) throw new JsonPatchError(`path not found: /${parts.join("/")}`)
  }
  return { parent: cur, key: parts[parts.length - 1] ?? "" }
}

const getAt = (doc: Json, path: string): Json => {
  let cur: Json = doc
  for (const p of pointer(path)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined
    if (next === undefined) throw new JsonPatchError(`path not found: ${path}`)
    cur = next
  }
  return cur
}

const removeAt = (doc: Json, path: string): void => {
  const { parent, key } = parentOf(doc, pointer(path))
  if (Array.isArray(parent)) {
    const i = Number(key)
    if (!(i >= 0 && i < parent.length)) throw new JsonPatchError(`path not found: ${path}`)
    parent.splice(i, 1)
  } else if (isObject(parent) && key in parent)
    delete parent[key] // eslint-disable-line @typescript-eslint/no-dynamic-delete -- JSON Patch's remove deletes the member its pointer names, in place
  else throw new JsonPatchError(`path not found: ${path}`)
}

const addAt = (doc: Json, path: string, value: Json, replace: boolean): Json => {
  const parts = pointer(path)
  if (parts.length === 0) return value
  const { parent, key } = parentOf(doc, parts)
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key)
    if (!(i >= 0 && i <= parent.length)) throw new JsonPatchError(`index out of range: ${path}`)
    if (replace) parent[i] = value
    else parent.splice(i, 0, value)
  } else if (isObject(parent)) {
    if (replace && !(key in parent)) throw new JsonPatchError(`path not found: ${path}`)
    parent[key] = value
  } else throw new JsonPatchError(`path not found: ${path}`)
  return doc
}

/** RFC 6902 on a copy of `target`; throws JsonPatchError at the first operation that cannot apply. */
export const jsonPatch = (target: Json, ops: Json): Json => {
  if (!Array.isArray(ops)) throw new JsonPatchError("a JSON patch must be an array of operations")
  let doc = structuredClone(target)
  for (const op of ops) {
    if (!isObject(op) || typeof op["op"] !== "string" || typeof op["path"] !== "string")
      throw new JsonPatchError("malformed JSON patch operation")
    const path = op["path"]
    switch (op["op"]) {
      case "add":
        doc = addAt(doc, path, structuredClone(op["value"] ?? null), false)
        break
      case "replace":
        doc = addAt(doc, path, structuredClone(op["value"] ?? null), true)
        break
      case "remove":
        removeAt(doc, path)
        break
      case "move":
      case "copy": {
        const from = op["from"] ?? ""
        if (typeof from !== "string") throw new JsonPatchError(`invalid JSON pointer "${JSON.stringify(from)}"`)
        const v = structuredClone(getAt(doc, from))
        if (op["op"] === "move") removeAt(doc, from)
        doc = addAt(doc, path, v, false)
        break
      }
      case "test":
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op["value"] ?? null))
          throw new JsonPatchError(`test failed at ${path}`)
        break
      default:
        throw new JsonPatchError(`unknown JSON patch operation "${op["op"]}"`)
    }
  }
  return doc
}
