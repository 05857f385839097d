/**
 * The protobuf wire format of the few CRI messages the join exchanges (cri-api.proto's
 * VersionRequest/Response and StatusRequest/Response), written out by hand: @grpc/proto-loader
 * and protobufjs build codecs from a descriptor at run time, which cost a join more CPU than
 * the rest of its preflight. Unknown fields are skipped, as protobuf readers do.
 */
import type { CriCondition, CriVersion } from "../../host/host.js"

const varint = (n: number): Array<number> => {
  const out: Array<number> = []
  let v = n
  while (v > 0x7f) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return out
}

const stringField = (field: number, s: string): Buffer => {
  const bytes = Buffer.from(s, "utf8")
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes])
}

/** `VersionRequest { string version = 1; }` (proto3: an empty string is not written). */
export const encodeVersionRequest = (r: { readonly version: string }): Buffer =>
  r.version === "" ? Buffer.alloc(0) : stringField(1, r.version)

/** `StatusRequest { bool verbose = 1; }` (proto3: false is not written). */
export const encodeStatusRequest = (r: { readonly verbose: boolean }): Buffer =>
  r.verbose ? Buffer.from([0x08, 0x01]) : Buffer.alloc(0)

interface WireField {
  readonly field: number
  readonly varint?: number
  readonly bytes?: Buffer
}

/** The fields of one message, in order; a malformed message throws (the call then fails as CriUnavailable). */
const readFields = (buf: Buffer): ReadonlyArray<WireField> => {
  let i = 0
  const readVarint = (): number => {
    let result = 0
    for (let shift = 0; shift < 64; shift += 7) {
      const b = buf[i++]
      if (b === undefined) throw new Error("malformed protobuf message: truncated varint")
      result += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return result
    }
    throw new Error("malformed protobuf message: varint too long")
  }
  const out: Array<WireField> = []
  while (i < buf.length) {
    const key = readVarint()
    const field = Math.floor(key / 8)
    const wire = key % 8
    if (wire === 0) out.push({ field, varint: readVarint() })
    else if (wire === 2) {
      const length = readVarint()
      if (i + length > buf.length) throw new Error("malformed protobuf message: truncated field")
      out.push({ field, bytes: buf.subarray(i, i + length) })
      i += length
    } else if (wire === 1) i += 8
    else if (wire === 5) i += 4
    else throw new Error(`malformed protobuf message: wire type ${wire}`)
  }
  if (i > buf.length) throw new Error("malformed protobuf message: truncated field")
  return out
}

const text = (f: WireField): string => f.bytes?.toString("utf8") ?? ""

/** `VersionResponse { string version = 1; runtime_name = 2; runtime_version = 3; runtime_api_version = 4; }` */
export const decodeVersionResponse = (buf: Buffer): CriVersion => {
  const v = { runtimeName: "", runtimeVersion: "", runtimeApiVersion: "" }
  for (const f of readFields(buf)) {
    if (f.field === 2) v.runtimeName = text(f)
    else if (f.field === 3) v.runtimeVersion = text(f)
    else if (f.field === 4) v.runtimeApiVersion = text(f)
  }
  return v
}

/** `RuntimeCondition { string type = 1; bool status = 2; string reason = 3; string message = 4; }` */
const decodeCondition = (buf: Buffer): CriCondition => {
  const c = { type: "", status: false, reason: "", message: "" }
  for (const f of readFields(buf)) {
    if (f.field === 1) c.type = text(f)
    else if (f.field === 2) c.status = (f.varint ?? 0) !== 0
    else if (f.field === 3) c.reason = text(f)
    else if (f.field === 4) c.message = text(f)
  }
  return c
}

/** `StatusResponse { RuntimeStatus status = 1; map<string,string> info = 2; }`, `RuntimeStatus { repeated RuntimeCondition conditions = 1; }`: the conditions. */
export const decodeStatusResponse = (buf: Buffer): ReadonlyArray<CriCondition> => {
  const conditions: Array<CriCondition> = []
  for (const f of readFields(buf))
    if (f.field === 1 && f.bytes !== undefined)
      for (const g of readFields(f.bytes))
        if (g.field === 1 && g.bytes !== undefined) conditions.push(decodeCondition(g.bytes))
  return conditions
}
