import { describe, expect, it } from "vitest"
import * as loader from "@grpc/proto-loader"
import { fileURLToPath } from "node:url"
import { CRI_DESCRIPTOR } from "../src/internal/host/cri.js"

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
