/**
 * Just enough of the Kubernetes protobuf encoding to read what kubectl's typed clients send
 * (they always write protobuf): the `k8s\0` + runtime.Unknown envelope, and the fields of the
 * two kinds kubectl writes in our scenarios (CSR approval, SelfSubjectAccessReview). Field
 * numbers come from the k8s.io/api generated.proto files. Anything else: undefined (-> 415).
 */
type Fields = Map<number, Array<bigint | Uint8Array>>

const varint = (b: Uint8Array, at: number): [bigint, number] => {
  let v = 0n
  let shift = 0n
  for (let i = at; i < b.length; i++) {
    const byte = b[i] ?? 0
    v |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return [v, i + 1]
    shift += 7n
  }
  throw new Error("truncated varint")
}

/** The top-level fields of one protobuf message, by field number, repeated fields in order; nested messages stay bytes. */
export const decodeFields = (b: Uint8Array): Fields => {
  const out: Fields = new Map()
  let at = 0
  while (at < b.length) {
    const [tag, next] = varint(b, at)
    at = next
    const field = Number(tag >> 3n)
    const wire = Number(tag & 7n)
    let value: bigint | Uint8Array
    if (wire === 0) [value, at] = varint(b, at)
    else if (wire === 2) {
      const [len, start] = varint(b, at)
      value = b.subarray(start, start + Number(len))
      at = start + Number(len)
    } else if (wire === 1) {
      value = b.subarray(at, at + 8)
      at += 8
    } else if (wire === 5) {
      value = b.subarray(at, at + 4)
      at += 4
    } else throw new Error(`unsupported wire type ${wire}`)
    out.set(field, [...(out.get(field) ?? []), value])
  }
  return out
}

const text = (f: Fields, n: number): string | undefined => {
  const v = f.get(n)?.[0]
  return v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : undefined
}
const sub = (f: Fields, n: number): Fields | undefined => {
  const v = f.get(n)?.[0]
  return v instanceof Uint8Array ? decodeFields(v) : undefined
}
const subs = (f: Fields, n: number): Fields[] =>
  (f.get(n) ?? []).flatMap((v) => (v instanceof Uint8Array ? [decodeFields(v)] : []))
const compact = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/** ObjectMeta: name 1, generateName 2, namespace 3, uid 5, resourceVersion 6. */
const objectMeta = (f: Fields | undefined) =>
  f ? compact({ name: text(f, 1), generateName: text(f, 2), namespace: text(f, 3), resourceVersion: text(f, 6) }) : {}

/** CertificateSigningRequest: metadata 1, status 3 {conditions 1 {type 1, reason 2, message 3, status 6}, certificate 2}. */
const csr = (f: Fields) => {
  const status = sub(f, 3)
  const conditions = status
    ? subs(status, 1).map((c) =>
        compact({ type: text(c, 1), status: text(c, 6), reason: text(c, 2), message: text(c, 3) })
      )
    : []
  const cert = status?.get(2)?.[0]
  return {
    metadata: objectMeta(sub(f, 1)),
    status: compact({
      conditions,
      certificate: cert instanceof Uint8Array ? Buffer.from(cert).toString("base64") : undefined
    })
  }
}

/** SelfSubjectAccessReview: spec 2 {resourceAttributes 1 {namespace 1, verb 2, group 3, version 4, resource 5, subresource 6, name 7}, nonResourceAttributes 2 {path 1, verb 2}}. */
const ssar = (f: Fields) => {
  const spec = sub(f, 2)
  const ra = spec ? sub(spec, 1) : undefined
  const nra = spec ? sub(spec, 2) : undefined
  return {
    metadata: objectMeta(sub(f, 1)),
    spec: compact({
      resourceAttributes: ra
        ? compact({
            namespace: text(ra, 1),
            verb: text(ra, 2),
            group: text(ra, 3),
            version: text(ra, 4),
            resource: text(ra, 5),
            subresource: text(ra, 6),
            name: text(ra, 7)
          })
        : undefined,
      nonResourceAttributes: nra ? compact({ path: text(nra, 1), verb: text(nra, 2) }) : undefined
    })
  }
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

/** The JSON form of a protobuf request body, or undefined when this kind is not understood. */
export const protobufToJson = (body: Uint8Array): Record<string, unknown> | undefined => {
  try {
    if (!Buffer.from(body.subarray(0, 4)).equals(MAGIC)) return undefined
    const unknown = decodeFields(body.subarray(4))
    const typeMeta = sub(unknown, 1)
    const raw = unknown.get(2)?.[0]
    if (!typeMeta || !(raw instanceof Uint8Array)) return undefined
    const apiVersion = text(typeMeta, 1) ?? ""
    const kind = text(typeMeta, 2) ?? ""
    const fields = decodeFields(raw)
    if (kind === "CertificateSigningRequest") return { apiVersion, kind, ...csr(fields) }
    if (kind === "SelfSubjectAccessReview") return { apiVersion, kind, ...ssar(fields) }
    return undefined
  } catch {
    return undefined
  }
}
