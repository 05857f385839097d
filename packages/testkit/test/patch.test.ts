import { describe, expect, it } from "vitest"
import { JsonPatchError, jsonMergePatch, jsonPatch, strategicMergePatch } from "../src/api-server/patch.js"

describe("JSON merge patch (RFC 7386)", () => {
  it("merges maps, null deletes, arrays replace", () => {
    expect(jsonMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] })).toEqual({
      a: 1,
      b: { d: 3, e: 4 },
      l: [3]
    })
  })
})

describe("strategic merge patch", () => {
  it("merges conditions by type and keeps taints as a replaced list", () => {
    const node = {
      status: {
        conditions: [
          { type: "Ready", status: "False" },
          { type: "MemoryPressure", status: "False" }
        ]
      },
      spec: { taints: [{ key: "a", effect: "NoSchedule" }] }
    }
    const out = strategicMergePatch(node, {
      status: { conditions: [{ type: "Ready", status: "True" }] },
      spec: { taints: [{ key: "b", effect: "NoExecute" }] }
    })
    expect(out).toEqual({
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "MemoryPressure", status: "False" }
        ]
      },
      spec: { taints: [{ key: "b", effect: "NoExecute" }] }
    })
  })
  it("honours $patch: delete in merge lists and $patch: replace on maps, ignores $setElementOrder", () => {
    const o = { metadata: { labels: { a: "1", b: "2" } }, status: { conditions: [{ type: "X" }, { type: "Y" }] } }
    expect(
      strategicMergePatch(o, {
        status: { conditions: [{ type: "X", $patch: "delete" }] },
        "$setElementOrder/conditions": []
      })
    ).toEqual({ metadata: { labels: { a: "1", b: "2" } }, status: { conditions: [{ type: "Y" }] } })
    expect(strategicMergePatch(o, { metadata: { labels: { c: "3", $patch: "replace" } } })).toMatchObject({
      metadata: { labels: { c: "3" } }
    })
  })
})

describe("JSON patch (RFC 6902)", () => {
  it("add, replace, remove, move, copy, test", () => {
    const out = jsonPatch({ a: { b: 1 }, l: [1, 3] }, [
      { op: "add", path: "/l/1", value: 2 },
      { op: "add", path: "/l/-", value: 4 },
      { op: "replace", path: "/a/b", value: 5 },
      { op: "copy", from: "/a/b", path: "/c" },
      { op: "move", from: "/c", path: "/d" },
      { op: "test", path: "/d", value: 5 },
      { op: "remove", path: "/a" },
      { op: "add", path: "/x~1y", value: true }
    ])
    expect(out).toEqual({ l: [1, 2, 3, 4], d: 5, "x/y": true })
  })
  it("fails on a missing path or a failed test", () => {
    expect(() => jsonPatch({}, [{ op: "remove", path: "/nope" }])).toThrow(JsonPatchError)
    expect(() => jsonPatch({ a: 1 }, [{ op: "test", path: "/a", value: 2 }])).toThrow(JsonPatchError)
    expect(() => jsonPatch({}, { op: "add" })).toThrow(JsonPatchError)
  })
})
