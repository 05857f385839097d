/**
 * The three patch formats kubeadm applies to its targets, on plain JSON values: RFC 6902 JSON
 * patch, RFC 7386 merge patch and the part of Kubernetes' strategic merge patch a static Pod
 * and a KubeletConfiguration need. Pure; every function leaves its inputs untouched.
 */

/** A JSON value as the patches see it. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** A patch that cannot be applied to its document; the message is the reason. */
export class PatchApplyError extends Error {}

const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v)

/** RFC 7386: objects merge recursively, null deletes a member, anything else replaces. */
export const mergePatch = (target: Json, patch: Json): Json => {
  if (!isObject(patch)) return structuredClone(patch)
  const out: { [k: string]: Json } = isObject(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k)
    else out[k] = mergePatch(out[k] ?? null, v)
  }
  return out
}

// --- RFC 6902 -------------------------------------------------------------------------------

const jsonPatchOps = new Set(["add", "remove", "replace", "move", "copy", "test"])

/** Why `patch` is not a JSON patch (an array of well-formed operations); undefined when it is one. */
export const jsonPatchProblem = (patch: Json): string | undefined => {
  if (!Array.isArray(patch)) return "a JSON patch must be a list of operations"
  for (const [i, op] of patch.entries()) {
    if (!isObject(op)) return `operation ${i} is not an object`
    const name = op["op"]
    if (typeof name !== "string" || !jsonPatchOps.has(name))
      return `operation ${i}: unexpected kind of operation ${JSON.stringify(name ?? null)}`
    if (typeof op["path"] !== "string") return `operation ${i} (${name}): missing or invalid "path"`
    if ((name === "move" || name === "copy") && typeof op["from"] !== "string")
      return `operation ${i} (${name}): missing or invalid "from"`
    if ((name === "add" || name === "replace" || name === "test") && !("value" in op))
      return `operation ${i} (${name}): missing "value"`
  }
  return undefined
}

const pointer = (path: string): string[] => {
  if (path === "") return []
  if (!path.startsWith("/")) throw new PatchApplyError(`invalid JSON pointer ${JSON.stringify(path)}`)
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
}

const arrayIndex = (key: string, length: number, path: string): number => {
  if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) > length)
    throw new PatchApplyError(`index out of range or not a number in ${JSON.stringify(path)}`)
  return Number(key)
}

/** The container of the last segment: an object or an array in `doc` (which is mutated by the caller). */
const container = (
  doc: Json,
  parts: ReadonlyArray<string>,
  op: string,
  path: string
): Json[] | { [k: string]: Json } => {
  let cur: Json = doc
  for (const p of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined
    if (next === undefined || (Array.isArray(cur) && !/^(0|[1-9][0-9]*)$/.test(p)))
      throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
    cur = next
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
  return cur
}

const getAt = (doc: Json, path: string, op: string): Json => {
  let cur: Json = doc
  for (const p of pointer(path)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined
    if (next === undefined)
      throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
    cur = next
  }
  return cur
}

const addAt = (doc: Json, path: string, value: Json, op: string): Json => {
  const parts = pointer(path)
  const key = parts[parts.length - 1]
  if (key === undefined) return value
  const parent = container(doc, parts, op, path)
  if (Array.isArray(parent)) parent.splice(key === "-" ? parent.length : arrayIndex(key, parent.length, path), 0, value)
  else parent[key] = value
  return doc
}

const removeAt = (doc: Json, path: string, op: string): Json => {
  const parts = pointer(path)
  const key = parts[parts.length - 1]
  if (key === undefined) return null
  const parent = container(doc, parts, op, path)
  if (Array.isArray(parent)) {
    const i = arrayIndex(key, parent.length - 1, path)
    if (i >= parent.length)
      throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`)
    parent.splice(i, 1)
  } else {
    if (!(key in parent))
      throw new PatchApplyError(`${op} operation does not apply: doc is missing key: ${JSON.stringify(path)}`)
    Reflect.deleteProperty(parent, key)
  }
  return doc
}

const sameJson = (a: Json, b: Json): boolean => {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i] ?? null))
  if (isObject(a)) {
    if (!isObject(b)) return false
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k] ?? null, b[k] ?? null))
  }
  return a === b
}

/** RFC 6902 on a copy of `target`; throws PatchApplyError at the first operation that does not apply. */
export const jsonPatch = (target: Json, patch: Json): Json => {
  const problem = jsonPatchProblem(patch)
  if (problem !== undefined || !Array.isArray(patch)) throw new PatchApplyError(problem ?? "not a JSON patch")
  let doc = structuredClone(target)
  for (const raw of patch) {
    const op = raw as { op: string; path: string; from?: string; value?: Json }
    switch (op.op) {
      case "add":
        doc = addAt(doc, op.path, structuredClone(op.value ?? null), "add")
        break
      case "remove":
        doc = removeAt(doc, op.path, "remove")
        break
      case "replace":
        getAt(doc, op.path, "replace")
        doc = removeAt(doc, op.path, "replace")
        doc = addAt(doc, op.path, structuredClone(op.value ?? null), "replace")
        break
      case "move": {
        const value = getAt(doc, op.from ?? "", "move")
        doc = removeAt(doc, op.from ?? "", "move")
        doc = addAt(doc, op.path, value, "move")
        break
      }
      case "copy":
        doc = addAt(doc, op.path, structuredClone(getAt(doc, op.from ?? "", "copy")), "copy")
        break
      case "test":
        if (!sameJson(getAt(doc, op.path, "test"), op.value ?? null))
          throw new PatchApplyError(`testing value ${JSON.stringify(op.path)} failed: test failed`)
        break
    }
  }
  return doc
}

// --- strategic merge patch -------------------------------------------------------------------

/**
 * The list fields merged by key (the Go types' `patchStrategy:"merge"` and `patchMergeKey`), by
 * field name; a field absent here is replaced as a whole. "" merges a list of scalars as a set.
 */
export type MergeKeys = Readonly<Record<string, string>>

/** core/v1 Pod's merged lists (ObjectMeta, PodSpec, Container, PodStatus). */
export const podMergeKeys: MergeKeys = {
  finalizers: "",
  ownerReferences: "uid",
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  imagePullSecrets: "name",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
  schedulingGates: "name",
  ports: "containerPort",
  env: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  conditions: "type",
  podIPs: "ip",
  hostIPs: "ip"
}

/** KubeletConfiguration has no merge keys: every list is replaced, as kubeadm's strategic merge does there. */
export const noMergeKeys: MergeKeys = {}

const DIRECTIVE = "$patch"
const RETAIN_KEYS = "$retainKeys"
const ORDER_PREFIX = "$setElementOrder/"
const DELETE_PREFIX = "$deleteFromPrimitiveList/"

const describe = (v: Json): string => JSON.stringify(v)

const mergeKeyedList = (original: Json[], patch: Json[], key: string, keys: MergeKeys): Json[] => {
  if (patch.some((p) => isObject(p) && p[DIRECTIVE] === "replace"))
    return patch
      .filter((p) => !(isObject(p) && p[DIRECTIVE] === "replace"))
      .map((p) => strategicMergePatch(null, p, keys))
  if (key === "") {
    const out = [...original]
    for (const item of patch) if (!out.some((o) => sameJson(o, item))) out.push(structuredClone(item))
    return out
  }
  const out = [...original]
  for (const item of patch) {
    if (!isObject(item)) throw new PatchApplyError(`expected a map in a list merged by ${key}, got ${describe(item)}`)
    const id = item[key]
    if (id === undefined)
      throw new PatchApplyError(`map: ${describe(item)} does not contain declared merge key: ${key}`)
    const at = out.findIndex((o) => isObject(o) && sameJson(o[key] ?? null, id))
    const directive = item[DIRECTIVE]
    if (directive === "delete") {
      if (at >= 0) out.splice(at, 1)
      continue
    }
    if (directive !== undefined && directive !== "merge")
      throw new PatchApplyError(`unknown patch type: ${describe(directive)} in map: ${describe(item)}`)
    if (at >= 0) out[at] = strategicMergePatch(out[at] ?? null, item, keys)
    else out.push(strategicMergePatch(null, item, keys))
  }
  return out
}

/**
 * Kubernetes' strategic merge patch with the given list merge keys: objects merge, null deletes,
 * keyed lists merge item by item, other lists are replaced; `$patch: replace|delete|merge` on an
 * object or a list item, `$retainKeys`, `$deleteFromPrimitiveList/<field>` are honoured and
 * `$setElementOrder/<field>` is accepted (the merged order is kept).
 */
export const strategicMergePatch = (target: Json, patch: Json, keys: MergeKeys): Json => {
  if (!isObject(patch)) return structuredClone(patch)
  const directive = patch[DIRECTIVE]
  const rest = Object.fromEntries(Object.entries(patch).filter(([k]) => k !== DIRECTIVE))
  if (directive === "replace") return strategicMergePatch(null, rest, keys)
  if (directive === "delete") return {}
  if (directive !== undefined && directive !== "merge")
    throw new PatchApplyError(`unknown patch type: ${describe(directive)} in map: ${describe(patch)}`)
  const out: { [k: string]: Json } = isObject(target) ? { ...target } : {}
  const retain = rest[RETAIN_KEYS]
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchApplyError(`invalid $retainKeys: ${describe(retain)}`)
    for (const k of Object.keys(out)) if (!retain.includes(k)) Reflect.deleteProperty(out, k)
  }
  for (const [k, v] of Object.entries(rest)) {
    if (k === RETAIN_KEYS || k.startsWith(ORDER_PREFIX)) continue
    if (k.startsWith(DELETE_PREFIX)) {
      const field = k.slice(DELETE_PREFIX.length)
      const current = out[field]
      if (!Array.isArray(v)) throw new PatchApplyError(`invalid ${k}: ${describe(v)}`)
      if (Array.isArray(current)) out[field] = current.filter((c) => !v.some((d) => sameJson(c, d)))
      continue
    }
    if (v === null) {
      Reflect.deleteProperty(out, k)
      continue
    }
    const current = out[k]
    if (isObject(v) && v[DIRECTIVE] === "delete") Reflect.deleteProperty(out, k)
    else if (Array.isArray(v) && k in keys)
      out[k] = mergeKeyedList(Array.isArray(current) ? current : [], v, keys[k] ?? "", keys)
    else if (Array.isArray(v)) out[k] = v.map((x) => strategicMergePatch(null, x, keys))
    else if (isObject(v)) out[k] = strategicMergePatch(isObject(current) ? current : null, v, keys)
    else out[k] = v
  }
  return out
}
