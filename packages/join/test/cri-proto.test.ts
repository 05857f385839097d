import { describe, expect, it } from "vitest"
import * as loader from "@grpc/proto-loader"
import { fileURLToPath } from "node:url"
import fc from "fast-check"
import { CRI_DESCRIPTOR } from "../src/internal/host/cri.js"
import {
  decodeStatusResponse,
  decodeVersionResponse,
  encodeStatusRequest,
  encodeVersionRequest
} from "../src/internal/host/cri-wire.js"

/** The inlined descriptor is the .proto subset, method for method and field for field. */
describe("CRI descriptor", () => {
  it("matches cri-api.proto", () => {
    const proto = fileURLToPath(new URL("../src/internal/host/cri-api.proto", import.meta.url))
    const fromProto = loader.loadSync(proto, { keepCase: true })
    const fromJson = loader.fromJSON(CRI_DESCRIPTOR as unknown as Parameters<typeof loader.fromJSON>[0], {
      keepCase: true
    })
    const shape = (def: loader.PackageDefinition) =>
      Object.fromEntries(
        Object.entries(def).map(([name, d]) => [
          name,
          "format" in d
            ? (
                (d as loader.MessageTypeDefinition<object, object>).type as unknown as {
                  field: Array<{ name: string; number: number; type: string; label: string; typeName: string }>
                }
              ).field.map((f: { name: string; number: number; type: string; label: string; typeName: string }) => [
                f.name,
                f.number,
                f.type,
                f.label,
                f.typeName
              ])
            : Object.entries(d).map(([m, md]) => [
                m,
                md.path,
                (md.requestType.type as { name: string }).name,
                (md.responseType.type as { name: string }).name
              ])
        ])
      )
    expect(shape(fromJson)).toEqual(shape(fromProto))
    expect(Object.keys(fromProto)).toContain("runtime.v1.RuntimeService")
  })
})

describe("CRI wire codec (cri-wire.ts)", () => {
  const service = loader.fromJSON(CRI_DESCRIPTOR as unknown as Parameters<typeof loader.fromJSON>[0], {
    keepCase: true,
    defaults: true
  })["runtime.v1.RuntimeService"] as unknown as Record<
    "Version" | "Status",
    {
      requestDeserialize: (b: Buffer) => Record<string, unknown>
      responseSerialize: (v: object) => Buffer
    }
  >
  const version = service.Version
  const status = service.Status

  it("writes the requests protobufjs reads", () => {
    for (const v of ["", "v1", "v1alpha2"])
      expect(version.requestDeserialize(encodeVersionRequest({ version: v }))).toEqual({ version: v })
    for (const verbose of [false, true])
      expect(status.requestDeserialize(encodeStatusRequest({ verbose }))).toEqual({ verbose })
  })

  it("reads the responses protobufjs writes, unknown fields and the info map skipped", () => {
    const str = fc.string({ unit: "grapheme", maxLength: 200 })
    fc.assert(
      fc.property(str, str, str, str, (v, name, runtimeVersion, api) => {
        const wire = version.responseSerialize({
          version: v,
          runtime_name: name,
          runtime_version: runtimeVersion,
          runtime_api_version: api
        })
        expect(decodeVersionResponse(wire)).toEqual({
          runtimeName: name,
          runtimeVersion,
          runtimeApiVersion: api
        })
      })
    )
    const condition = fc.record({ type: str, status: fc.boolean(), reason: str, message: str })
    fc.assert(
      fc.property(
        fc.array(condition, { maxLength: 5 }),
        fc.dictionary(str, str, { maxKeys: 3 }),
        (conditions, info) => {
          const wire = status.responseSerialize({ status: { conditions }, info })
          expect(decodeStatusResponse(wire)).toEqual(conditions)
        }
      )
    )
  })

  it("refuses a truncated message", () => {
    const wire = version.responseSerialize({ runtime_name: "containerd" })
    expect(() => decodeVersionResponse(wire.subarray(0, wire.length - 1))).toThrow(/malformed protobuf/)
  })
})
