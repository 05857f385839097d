/**
 * kubeadm's `--patches DIR` (and `patches.directory`): which files of the folder are patches,
 * for which target and of which type, read and checked once before the join writes anything,
 * then applied in kubeadm's order to the static Pods and the kubelet's config.yaml.
 */
import { Data, Effect, Either } from "effect"
import * as YAML from "yaml"
import { JoinContext } from "../join-context.js"
import { MAX_NESTING, nestedDeeperThan } from "../nesting.js"
import { Output } from "../output.js"
import {
  jsonPatch,
  jsonPatchProblem,
  type Json,
  mergePatch,
  type MergeKeys,
  noMergeKeys,
  PatchApplyError,
  podMergeKeys,
  strategicMergePatch
} from "./apply.js"

/** kubeadm's patch targets (corednsdeployment and kubeproxydaemonset are accepted, a join never patches them). */
export const knownTargets = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubeletconfiguration",
  "corednsdeployment",
  "kubeproxydaemonset"
] as const

/** One of kubeadm's patch targets. */
export type PatchTargetName = (typeof knownTargets)[number]

/** The patch types, named as kubeadm prints them (Kubernetes' PATCH content types). */
export type PatchType =
  "application/json-patch+json" | "application/merge-patch+json" | "application/strategic-merge-patch+json"

const patchTypes: Readonly<Record<string, PatchType>> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  "": "application/strategic-merge-patch+json"
}
const patchTypeList = ["json", "merge", "strategic"]
const knownExtensions = ["json", "yaml"]
const extensionPattern = new RegExp(`.+\\.(${knownExtensions.join("|")})$`)
const namePattern = new RegExp(`^(${knownTargets.join("|")})([^.+\\n]*)?(\\+)?(${patchTypeList.join("|")})?`)

/** What a file name says: a patch (target and type), a file to ignore (why), or an error. */
export type ParsedName =
  | { readonly _tag: "Patch"; readonly target: PatchTargetName; readonly patchType: PatchType }
  | { readonly _tag: "Ignore"; readonly warning: string }
  | { readonly _tag: "Error"; readonly error: string }

const goList = (items: ReadonlyArray<string>): string => `[${items.join(" ")}]`

/** kubeadm's parseFilename: `target[suffix][+patchtype].{json,yaml}`. */
export const parseFilename = (fileName: string): ParsedName => {
  if (!extensionPattern.test(fileName))
    return { _tag: "Ignore", warning: `the file extension must be one of ${goList(knownExtensions)}` }
  const sub = namePattern.exec(fileName)
  if (sub === null) return { _tag: "Ignore", warning: `unknown target, must be one of ${goList(knownTargets)}` }
  if ((sub[3] ?? "") !== "" && (sub[4] ?? "") === "")
    return { _tag: "Error", error: `unknown or missing patch type after '+', must be one of ${goList(patchTypeList)}` }
  return {
    _tag: "Patch",
    target: sub[1] as PatchTargetName,
    patchType: patchTypes[sub[4] ?? ""] ?? "application/strategic-merge-patch+json"
  }
}

/** The patches of one file, in the file's order (YAML documents split on `---`), as JSON. */
export interface PatchSet {
  readonly file: string
  readonly target: PatchTargetName
  readonly patchType: PatchType
  readonly patches: ReadonlyArray<Json>
}

/** A patch folder read and checked: the patch sets in kubeadm's order and the lines it prints when first used. */
export interface LoadedPatches {
  readonly directory: string
  readonly patchSets: ReadonlyArray<PatchSet>
  readonly readingLines: ReadonlyArray<string>
  /** Whether `readingLines` were printed (kubeadm reads a folder once per run). */
  readonly announced: { value: boolean }
}

/** A file found under the patch folder, in filepath.Walk's order (lexical, sub-folders walked where they sort). */
export interface PatchFile {
  /** The base name, which alone says target and type. */
  readonly name: string
  /** The path as given to the reader (under the folder). */
  readonly path: string
}

/**
 * - ListFailed: the folder cannot be listed (missing, not a folder, refused);
 * - BadFileName: a `+` not followed by a known patch type;
 * - ReadFailed: a patch file cannot be read;
 * - BadPatch: a file's content is not YAML/JSON, or not a patch of its type;
 * - ApplyFailed: a patch does not apply to its target.
 */
export const patchesErrorReasons = ["ListFailed", "BadFileName", "ReadFailed", "BadPatch", "ApplyFailed"] as const
/** One of patchesErrorReasons. */
export type PatchesErrorReason = (typeof patchesErrorReasons)[number]
/** A patch folder or file that cannot be used, or a patch that does not apply; `file` names the file. */
export class PatchesError extends Data.TaggedError("PatchesError")<{
  readonly reason: PatchesErrorReason
  readonly directory: string
  readonly file?: string
  readonly detail: string
  /** ApplyFailed: the target and what kubeadm puts before its message. */
  readonly target?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const dir = JSON.stringify(this.directory)
    const file = JSON.stringify(this.file ?? "")
    switch (this.reason) {
      case "ListFailed":
        return `could not list patch files for path ${dir}: ${this.detail}`
      case "BadFileName":
        return `could not list patch files for path ${dir}: file ${file}: ${this.detail}`
      case "ReadFailed":
        return `could not list patch files for path ${dir}: could not read the file ${file}: ${this.detail}`
      case "BadPatch":
        return `could not list patch files for path ${dir}: file ${file}: ${this.detail}`
      case "ApplyFailed":
        return this.target === "kubeletconfiguration"
          ? `could not apply patches to the KubeletConfiguration: ${this.detail}`
          : `failed to patch static Pod manifest file for ${JSON.stringify(this.target ?? "")}: ${this.detail}`
    }
  }
}

/** Splits on `---` lines as Kubernetes' YAML reader does (only a comment may follow the marker). */
const chunks = (text: string): Either.Either<ReadonlyArray<string>, string> => {
  const out: string[] = []
  let current: string[] = []
  for (const line of text.split("\n")) {
    if (line.startsWith("---")) {
      const rest = line.slice(3).trim()
      if (rest !== "" && !rest.startsWith("#")) return Either.left(`invalid Yaml document separator: ${rest}`)
      out.push(current.join("\n"))
      current = []
    } else current.push(line)
  }
  out.push(current.join("\n"))
  return Either.right(out)
}

const documents = (text: string): Either.Either<ReadonlyArray<Json>, string> =>
  Either.gen(function* () {
    const out: Json[] = []
    for (const chunk of yield* chunks(text)) {
      const trimmed = chunk.trim()
      if (trimmed === "") continue
      const doc = YAML.parseDocument(trimmed, { logLevel: "error" })
      const error = doc.errors[0]
      if (error !== undefined) return yield* Either.left(`could not convert patch to JSON: ${error.message}`)
      // toJS throws on what parsing accepts: an alias past the expansion limit or without its anchor.
      const json = yield* Either.try({
        try: () => doc.toJS({ maxAliasCount: 100 }) as Json,
        catch: (e) =>
          `could not convert patch to JSON: ${(e instanceof Error ? e.message : String(e)).split("\n")[0] ?? ""}`
      })
      if (nestedDeeperThan(json))
        return yield* Either.left(`could not convert patch to JSON: nested deeper than ${MAX_NESTING} levels`)
      out.push(json)
    }
    return out
  })

const patchProblem = (patchType: PatchType, patch: Json): string | undefined => {
  if (patchType === "application/json-patch+json") return jsonPatchProblem(patch)
  if (patchType === "application/strategic-merge-patch+json" && (typeof patch !== "object" || Array.isArray(patch)))
    return "a strategic merge patch must be a map"
  return undefined
}

/**
 * The folder's patch sets from its files (`read` gives a file's text): kubeadm's
 * getPatchSetsFromPath, which also rejects a file that is not a patch of its type.
 */
export const loadPatches = (
  directory: string,
  files: ReadonlyArray<PatchFile>,
  read: (path: string) => Either.Either<string, string>
): Either.Either<LoadedPatches, PatchesError> =>
  Either.gen(function* () {
    const lines = [`[patches] Reading patches from path ${JSON.stringify(directory)}`]
    const patchSets: PatchSet[] = []
    const found: string[] = []
    const ignored: string[] = []
    for (const f of files) {
      const parsed = parseFilename(f.name)
      if (parsed._tag === "Error")
        return yield* Either.left(
          new PatchesError({ reason: "BadFileName", directory, file: f.name, detail: parsed.error })
        )
      if (parsed._tag === "Ignore") {
        lines.push(`[patches] Ignoring file ${JSON.stringify(f.name)}: ${parsed.warning}`)
        ignored.push(f.name)
        continue
      }
      const text = yield* Either.mapLeft(
        read(f.path),
        (detail) => new PatchesError({ reason: "ReadFailed", directory, file: f.path, detail })
      )
      if (text.length === 0) {
        lines.push(`[patches] Ignoring empty file: ${JSON.stringify(f.name)}`)
        ignored.push(f.name)
        continue
      }
      const patches = yield* Either.mapLeft(
        documents(text),
        (detail) => new PatchesError({ reason: "BadPatch", directory, file: f.name, detail })
      )
      for (const p of patches) {
        const problem = patchProblem(parsed.patchType, p)
        if (problem !== undefined)
          return yield* Either.left(
            new PatchesError({
              reason: "BadPatch",
              directory,
              file: f.name,
              detail: `not a patch of type ${JSON.stringify(parsed.patchType)}: ${problem}`
            })
          )
      }
      found.push(f.name)
      patchSets.push({ file: f.name, target: parsed.target, patchType: parsed.patchType, patches })
    }
    if (found.length > 0) lines.push(`[patches] Found the following patch files: ${goList(found)}`)
    if (ignored.length > 0) lines.push(`[patches] Ignored the following files: ${goList(ignored)}`)
    return { directory, patchSets, readingLines: lines, announced: { value: false } }
  })

const mergeKeysOf = (target: PatchTargetName): MergeKeys =>
  target === "kubeletconfiguration" ? noMergeKeys : podMergeKeys

const applyOne = (patchType: PatchType, doc: Json, patch: Json, keys: MergeKeys): Json => {
  switch (patchType) {
    case "application/json-patch+json":
      return jsonPatch(doc, patch)
    case "application/merge-patch+json":
      return mergePatch(doc, patch)
    case "application/strategic-merge-patch+json":
      return strategicMergePatch(doc, patch, keys)
  }
}

/**
 * Every patch for `target`, file after file and document after document, over `doc`; with the
 * lines kubeadm prints for each applied patch. Pure.
 */
export const applyPatches = (
  loaded: LoadedPatches,
  target: PatchTargetName,
  doc: Json
): Either.Either<{ readonly doc: Json; readonly lines: ReadonlyArray<string> }, PatchesError> => {
  let current = doc
  const lines: string[] = []
  for (const set of loaded.patchSets) {
    if (set.target !== target) continue
    for (const patch of set.patches) {
      try {
        current = applyOne(set.patchType, current, patch, mergeKeysOf(target))
      } catch (e) {
        if (!(e instanceof PatchApplyError)) throw e
        return Either.left(
          new PatchesError({
            reason: "ApplyFailed",
            directory: loaded.directory,
            file: set.file,
            target,
            detail: `could not apply the following patch of type ${JSON.stringify(set.patchType)} to target ${JSON.stringify(target)} (file ${JSON.stringify(set.file)}):\n${JSON.stringify(patch)}\n: ${e.message}`,
            cause: e
          })
        )
      }
      lines.push(`[patches] Applied patch of type ${JSON.stringify(set.patchType)} to target ${JSON.stringify(target)}`)
    }
  }
  return Either.right({ doc: current, lines })
}

/**
 * The join's patches applied to one target, printing kubeadm's lines (the folder's once per
 * join); the document unchanged when the join has no patch folder.
 */
export const patchTarget = (
  target: PatchTargetName,
  doc: Json
): Effect.Effect<Json, PatchesError, JoinContext | Output> =>
  Effect.gen(function* () {
    const { options } = yield* JoinContext
    const loaded = options.patches
    if (loaded === undefined) return doc
    const out = yield* Output
    if (!loaded.announced.value) {
      loaded.announced.value = true
      for (const line of loaded.readingLines) yield* out.info(line)
    }
    const result = yield* applyPatches(loaded, target, doc)
    for (const line of result.lines) yield* out.info(line)
    return result.doc
  })
