import { Effect, Either, Layer, Ref } from "effect"
import type { JoinConfiguration } from "../../src/config/model.js"
import * as joinContext from "../../src/join-context.js"
import type { JoinContext } from "../../src/join-context.js"
import { patchKubeletConfig } from "../../src/kubelet/files.js"
import * as output from "../../src/output.js"
import type { Output, OutputLine } from "../../src/output.js"
import { describe, expect, it } from "vitest"
import {
  jsonPatch,
  type Json,
  mergePatch,
  noMergeKeys,
  PatchApplyError,
  podMergeKeys,
  strategicMergePatch
} from "../../src/patches/apply.js"
import { applyPatches, loadPatches, parseFilename, type PatchFile, patchTarget } from "../../src/patches/patches.js"

const files = (
  contents: Record<string, string>
): { list: PatchFile[]; read: (p: string) => Either.Either<string, string> } => ({
  list: Object.keys(contents).map((name) => ({ name, path: `/p/${name}` })),
  read: (p) => {
    const text = contents[p.slice("/p/".length)]
    return text === undefined ? Either.left("open: no such file or directory") : Either.right(text)
  }
})

const load = (contents: Record<string, string>) => {
  const f = files(contents)
  return loadPatches("/p", f.list, f.read)
}

const loaded = (contents: Record<string, string>) => Either.getOrThrow(load(contents))

describe("parseFilename (kubeadm's TestParseFilename)", () => {
  it.each([
    ["etcd+merge.json", { _tag: "Patch", target: "etcd", patchType: "application/merge-patch+json" }],
    ["etcd0.yaml", { _tag: "Patch", target: "etcd", patchType: "application/strategic-merge-patch+json" }],
    ["etcd0+merge.yaml", { _tag: "Patch", target: "etcd", patchType: "application/merge-patch+json" }],
    ["kube-apiserver+json.yaml", { _tag: "Patch", target: "kube-apiserver", patchType: "application/json-patch+json" }],
    [
      "kubeletconfiguration+strategic.json",
      { _tag: "Patch", target: "kubeletconfiguration", patchType: "application/strategic-merge-patch+json" }
    ]
  ])("%s is a patch", (name, expected) => {
    expect(parseFilename(name)).toEqual(expected)
  })

  it.each([
    [
      "foo.yaml",
      "unknown target, must be one of [etcd kube-apiserver kube-controller-manager kube-scheduler kubeletconfiguration corednsdeployment kubeproxydaemonset]"
    ],
    ["etcd.foo", "the file extension must be one of [json yaml]"],
    ["etcd", "the file extension must be one of [json yaml]"]
  ])("%s is ignored with a warning", (name, warning) => {
    expect(parseFilename(name)).toEqual({ _tag: "Ignore", warning })
  })

  it.each(["etcd+foo.json", "etcd+.json"])("%s is an error", (name) => {
    expect(parseFilename(name)).toEqual({
      _tag: "Error",
      error: "unknown or missing patch type after '+', must be one of [json merge strategic]"
    })
  })
})

describe("loadPatches (kubeadm's TestCreatePatchSet and TestGetPatchSetsForPath)", () => {
  it("splits YAML documents and converts them to JSON", () => {
    expect(loaded({ "etcd.yaml": "foo: bar\n---\nfoo: baz\n" }).patchSets[0]?.patches).toEqual([
      { foo: "bar" },
      { foo: "baz" }
    ])
  })

  it("splits JSON documents and skips empty ones", () => {
    expect(loaded({ "etcd.json": '{"foo":"bar"}\n---\n     ---\n{"foo":"baz"}' }).patchSets[0]?.patches).toEqual([
      { foo: "bar" },
      { foo: "baz" }
    ])
  })

  it("keeps the files' order and ignores non-patch files, with kubeadm's lines", () => {
    const data = '{"foo":"bar"}'
    const l = loaded({
      "bar.json": data,
      "etcd.yaml": data,
      foo: data,
      "kube-apiserver+json.yaml": "[]",
      "kube-scheduler+merge.json": data
    })
    expect(l.patchSets.map((s) => [s.file, s.target, s.patchType])).toEqual([
      ["etcd.yaml", "etcd", "application/strategic-merge-patch+json"],
      ["kube-apiserver+json.yaml", "kube-apiserver", "application/json-patch+json"],
      ["kube-scheduler+merge.json", "kube-scheduler", "application/merge-patch+json"]
    ])
    expect(l.readingLines).toEqual([
      '[patches] Reading patches from path "/p"',
      '[patches] Ignoring file "bar.json": unknown target, must be one of [etcd kube-apiserver kube-controller-manager kube-scheduler kubeletconfiguration corednsdeployment kubeproxydaemonset]',
      '[patches] Ignoring file "foo": the file extension must be one of [json yaml]',
      "[patches] Found the following patch files: [etcd.yaml kube-apiserver+json.yaml kube-scheduler+merge.json]",
      "[patches] Ignored the following files: [bar.json foo]"
    ])
  })

  it("ignores empty files", () => {
    const l = loaded({ "kube-scheduler.json": "" })
    expect(l.patchSets).toEqual([])
    expect(l.readingLines).toContain('[patches] Ignoring empty file: "kube-scheduler.json"')
  })

  it("refuses a bad patch type in a file name, naming the file", () => {
    const e = Either.flip(load({ "kube-scheduler+foo.json": "{}" })).pipe(Either.getOrThrow)
    expect(e.reason).toBe("BadFileName")
    expect(e.message).toBe(
      `could not list patch files for path "/p": file "kube-scheduler+foo.json": unknown or missing patch type after '+', must be one of [json merge strategic]`
    )
  })

  it("refuses a file that is not YAML, naming the file", () => {
    const e = Either.flip(load({ "etcd.yaml": "foo: [bar\n" })).pipe(Either.getOrThrow)
    expect(e.reason).toBe("BadPatch")
    expect(e.message).toMatch(
      /^could not list patch files for path "\/p": file "etcd.yaml": could not convert patch to JSON: /
    )
  })

  it("refuses a JSON patch that is not a list of operations, and a strategic patch that is not a map", () => {
    expect(Either.flip(load({ "etcd+json.json": '{"foo":"zzz"}' })).pipe(Either.getOrThrow).message).toContain(
      'file "etcd+json.json": not a patch of type "application/json-patch+json": a JSON patch must be a list of operations'
    )
    expect(Either.flip(load({ "etcd+json.json": '[{"op":"frob","path":"/a"}]' })).pipe(Either.getOrThrow).reason).toBe(
      "BadPatch"
    )
    expect(Either.flip(load({ "etcd.yaml": "- a\n- b\n" })).pipe(Either.getOrThrow).message).toContain(
      "a strategic merge patch must be a map"
    )
  })

  it("refuses an unreadable file, naming it", () => {
    const e = Either.flip(
      loadPatches("/p", [{ name: "etcd.yaml", path: "/p/etcd.yaml" }], () => Either.left("permission denied"))
    ).pipe(Either.getOrThrow)
    expect(e.message).toBe(
      `could not list patch files for path "/p": could not read the file "/p/etcd.yaml": permission denied`
    )
  })
})

describe("applyPatches (kubeadm's TestGetPatchManagerForPath)", () => {
  const apply = (contents: Record<string, string>, target: Parameters<typeof applyPatches>[1], doc: Json) =>
    applyPatches(loaded(contents), target, doc)

  it("applies the files in name order: json before merge", () => {
    const r = Either.getOrThrow(
      apply(
        {
          "kube-apiserver+json.json": '[{"op": "replace", "path": "/foo", "value": "zzz"}]',
          "kube-apiserver+merge.yaml": "foo: patched"
        },
        "kube-apiserver",
        { foo: "bar", baz: "qux" }
      )
    )
    expect(r.doc).toEqual({ baz: "qux", foo: "patched" })
    expect(r.lines).toEqual([
      '[patches] Applied patch of type "application/json-patch+json" to target "kube-apiserver"',
      '[patches] Applied patch of type "application/merge-patch+json" to target "kube-apiserver"'
    ])
  })

  it.each([
    ["kube-apiserver+json.json", '[{"op": "replace", "path": "/foo", "value": "zzz"}]', "kube-apiserver"],
    ["kubeletconfiguration+json.json", '[{"op": "replace", "path": "/foo", "value": "zzz"}]', "kubeletconfiguration"],
    ["kube-apiserver+strategic.json", '{"foo":"zzz"}', "kube-apiserver"]
  ] as const)("%s patches its target", (file, data, target) => {
    expect(Either.getOrThrow(apply({ [file]: data }, target, { foo: "bar" })).doc).toEqual({ foo: "zzz" })
  })

  it("leaves a target without patches unchanged", () => {
    const r = Either.getOrThrow(apply({ "kube-apiserver+merge.yaml": "foo: patched" }, "etcd", { foo: "bar" }))
    expect(r).toEqual({ doc: { foo: "bar" }, lines: [] })
  })

  it("names the file and the target of a patch that does not apply", () => {
    const e = Either.flip(
      apply({ "etcd+json.yaml": '[{"op": "remove", "path": "/spec/nope"}]' }, "etcd", { spec: {} })
    ).pipe(Either.getOrThrow)
    expect(e.reason).toBe("ApplyFailed")
    expect(e.message).toContain(
      'failed to patch static Pod manifest file for "etcd": could not apply the following patch'
    )
    expect(e.message).toContain('(file "etcd+json.yaml")')
  })
})

describe("JSON patch (RFC 6902)", () => {
  const doc: Json = { a: { b: [1, 2, 3] }, c: "x" }
  it("adds, removes, replaces, moves, copies and tests", () => {
    expect(
      jsonPatch(doc, [
        { op: "add", path: "/a/b/1", value: 9 },
        { op: "add", path: "/a/b/-", value: 4 },
        { op: "remove", path: "/a/b/0" },
        { op: "replace", path: "/c", value: "y" },
        { op: "copy", from: "/c", path: "/d" },
        { op: "move", from: "/d", path: "/e~1f" },
        { op: "test", path: "/e~1f", value: "y" }
      ])
    ).toEqual({ a: { b: [9, 2, 3, 4] }, c: "y", "e/f": "y" })
    expect(doc).toEqual({ a: { b: [1, 2, 3] }, c: "x" })
  })
  it.each([
    [{ op: "replace", path: "/nope", value: 1 }],
    [{ op: "remove", path: "/a/b/7" }],
    [{ op: "add", path: "/x/y", value: 1 }],
    [{ op: "test", path: "/c", value: "z" }],
    [{ op: "add", path: "nope", value: 1 }]
  ])("refuses %j", (op) => {
    expect(() => jsonPatch(doc, [op])).toThrow(PatchApplyError)
  })
})

describe("merge patch (RFC 7386)", () => {
  it("merges maps, deletes on null, replaces lists and scalars", () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2], s: "x" }, { a: { b: null, d: 3 }, l: [3], s: "y" })).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
      s: "y"
    })
  })
})

describe("strategic merge patch", () => {
  const pod: Json = {
    metadata: { name: "kube-apiserver", labels: { a: "1" } },
    spec: {
      containers: [
        {
          name: "kube-apiserver",
          command: ["kube-apiserver", "--v=0"],
          env: [{ name: "A", value: "1" }],
          ports: [{ containerPort: 6443 }],
          volumeMounts: [
            { mountPath: "/etc/kubernetes/pki", name: "k8s-certs" },
            { mountPath: "/etc/ssl/certs", name: "ca-certs" }
          ],
          resources: { requests: { cpu: "250m" } }
        }
      ],
      volumes: [
        { name: "k8s-certs", hostPath: { path: "/etc/kubernetes/pki" } },
        { name: "ca-certs", hostPath: { path: "/etc/ssl/certs" } }
      ],
      tolerations: [{ operator: "Exists" }]
    }
  }
  const smp = (patch: Json) => strategicMergePatch(pod, patch, podMergeKeys)

  it("merges containers by name, env by name, volumeMounts by mountPath, ports by containerPort, volumes by name", () => {
    const out = smp({
      spec: {
        containers: [
          {
            name: "kube-apiserver",
            env: [
              { name: "B", value: "2" },
              { name: "A", value: "3" }
            ],
            ports: [{ containerPort: 8080, name: "x" }],
            volumeMounts: [{ mountPath: "/extra", name: "extra" }],
            resources: { requests: { memory: "1Gi" } }
          },
          { name: "sidecar", image: "busybox" }
        ],
        volumes: [{ name: "extra", hostPath: { path: "/extra" } }]
      }
    }) as { spec: { containers: Array<Record<string, Json>>; volumes: Json[] } }
    const [c, side] = out.spec.containers
    expect(c?.["command"]).toEqual(["kube-apiserver", "--v=0"])
    expect(c?.["env"]).toEqual([
      { name: "A", value: "3" },
      { name: "B", value: "2" }
    ])
    expect(c?.["ports"]).toEqual([{ containerPort: 6443 }, { containerPort: 8080, name: "x" }])
    expect(c?.["volumeMounts"]).toHaveLength(3)
    expect(c?.["resources"]).toEqual({ requests: { cpu: "250m", memory: "1Gi" } })
    expect(side).toEqual({ name: "sidecar", image: "busybox" })
    expect(out.spec.volumes).toHaveLength(3)
  })

  it("replaces lists without a merge key (command, tolerations)", () => {
    const out = smp({
      spec: { tolerations: [{ key: "k" }], containers: [{ name: "kube-apiserver", command: ["x"] }] }
    }) as { spec: { tolerations: Json; containers: Array<Record<string, Json>> } }
    expect(out.spec.tolerations).toEqual([{ key: "k" }])
    expect(out.spec.containers[0]?.["command"]).toEqual(["x"])
  })

  it("honours $patch: delete in a list and on a map, $patch: replace, null deletes", () => {
    const out = smp({
      metadata: { labels: { $patch: "replace", b: "2" } },
      spec: {
        volumes: [{ name: "ca-certs", $patch: "delete" }],
        containers: [
          {
            name: "kube-apiserver",
            volumeMounts: [{ mountPath: "/etc/ssl/certs", $patch: "delete" }],
            resources: { $patch: "delete" },
            env: null
          }
        ]
      }
    }) as { metadata: Json; spec: { volumes: Json[]; containers: Array<Record<string, Json>> } }
    expect(out.metadata).toEqual({ name: "kube-apiserver", labels: { b: "2" } })
    expect(out.spec.volumes).toEqual([{ name: "k8s-certs", hostPath: { path: "/etc/kubernetes/pki" } }])
    const c = out.spec.containers[0] ?? {}
    expect(c["volumeMounts"]).toEqual([{ mountPath: "/etc/kubernetes/pki", name: "k8s-certs" }])
    expect("resources" in c).toBe(false)
    expect("env" in c).toBe(false)
  })

  it("replaces a whole keyed list when an item says $patch: replace", () => {
    const out = smp({ spec: { volumes: [{ $patch: "replace" }, { name: "only", emptyDir: {} }] } }) as {
      spec: { volumes: Json }
    }
    expect(out.spec.volumes).toEqual([{ name: "only", emptyDir: {} }])
  })

  it("honours $deleteFromPrimitiveList and $retainKeys", () => {
    expect(
      strategicMergePatch(
        { l: ["a", "b"], m: { x: 1, y: 2 } },
        { "$deleteFromPrimitiveList/l": ["a"], m: { $retainKeys: ["x"] } },
        noMergeKeys
      )
    ).toEqual({ l: ["b"], m: { x: 1 } })
  })

  it("refuses a keyed item without its key and an unknown $patch", () => {
    expect(() => smp({ spec: { containers: [{ image: "x" }] } })).toThrow(/does not contain declared merge key: name/)
    expect(() => smp({ metadata: { $patch: "frob" } })).toThrow(/unknown patch type/)
  })

  it("treats a KubeletConfiguration's lists as atomic (no merge keys)", () => {
    expect(
      strategicMergePatch(
        { clusterDNS: ["10.96.0.10"], evictionHard: { "memory.available": "100Mi" } },
        { clusterDNS: ["10.0.0.10"], evictionHard: { "nodefs.available": "10%" } },
        noMergeKeys
      )
    ).toEqual({ clusterDNS: ["10.0.0.10"], evictionHard: { "memory.available": "100Mi", "nodefs.available": "10%" } })
  })
})

describe("patchTarget and patchKubeletConfig (the join's patches, as the writers use them)", () => {
  const run = <A, E>(effect: Effect.Effect<A, E, JoinContext | Output>, patches: Record<string, string> | undefined) =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const options = {
        rootfs: "/",
        skipPhases: [],
        selfTlsBootstrap: false,
        verbosity: 0,
        ...(patches === undefined ? {} : { patches: loaded(patches) })
      }
      const result = yield* Effect.either(
        effect.pipe(
          Effect.provide(Layer.merge(joinContext.layer({} as JoinConfiguration, options), output.fake(lines)))
        )
      )
      return { result, lines: (yield* Ref.get(lines)).map((l) => l.text) }
    }).pipe(Effect.runPromise)

  it("prints the folder's lines once per join, then each applied patch", async () => {
    const twice = Effect.zip(patchTarget("kube-apiserver", { a: 1 }), patchTarget("kube-scheduler", { a: 1 }))
    const { result, lines } = await run(twice, { "kube-apiserver+merge.yaml": "b: 2\n" })
    expect(Either.getOrThrow(result)).toEqual([{ a: 1, b: 2 }, { a: 1 }])
    expect(lines).toEqual([
      '[patches] Reading patches from path "/p"',
      "[patches] Found the following patch files: [kube-apiserver+merge.yaml]",
      '[patches] Applied patch of type "application/merge-patch+json" to target "kube-apiserver"'
    ])
  })

  it("leaves config.yaml's text alone without patches; patches and sorts it with them", async () => {
    const yaml = "kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nmaxPods: 110\n"
    expect(Either.getOrThrow((await run(patchKubeletConfig(yaml), undefined)).result)).toBe(yaml)
    const { result } = await run(patchKubeletConfig(yaml), { "kubeletconfiguration.yaml": "maxPods: 7\n" })
    expect(Either.getOrThrow(result)).toBe(
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 7\n"
    )
  })
})
