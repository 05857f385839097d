/**
 * `--config` file -> model: split the YAML documents, pick the JoinConfiguration,
 * decode it (v1beta1 to v1beta4) and apply the static defaults (spec join-node §1.3).
 * Unknown fields only produce a warning, as in kubeadm's join; `config validate` and
 * `config migrate` ask for `strict` and fail on them instead (kubeadm's strictErrors).
 */
import { Duration, Either, ParseResult, Schema } from "effect"
import { isMap, isScalar, LineCounter, parseAllDocuments, visit } from "yaml"
import { defaultDiscoveryTimeout, defaultTimeouts, type Durations, fromExternal } from "./defaults.js"
import { aggregate, ConfigError } from "./errors.js"
import {
  type ExternalJoinConfiguration,
  type ExternalJoinConfigurationV1beta4,
  JoinConfigurationV1beta1,
  JoinConfigurationV1beta2,
  JoinConfigurationV1beta3,
  JoinConfigurationV1beta4
} from "./external.js"
import { goQuote, parseGoDuration } from "./formats.js"
import type { JoinConfiguration, Timeouts } from "./model.js"
import { causeText } from "../cause-text.js"

/** A decoded JoinConfiguration with the warnings kubeadm would print (deprecated versions, unknown fields). */
export interface Decoded {
  readonly config: JoinConfiguration
  readonly warnings: ReadonlyArray<string>
  /** The JoinConfiguration's apiVersion, e.g. `kubeadm.k8s.io/v1beta4`. */
  readonly apiVersion: string
  /** Every document of the file, in order (the JoinConfiguration too). */
  readonly documents: ReadonlyArray<TypeMeta>
}

/** The `apiVersion` and `kind` of a YAML document, read before the document is decoded by version. */
export interface TypeMeta {
  readonly apiVersion: string
  readonly kind: string
}

/** How strictly to decode: join warns about unknown fields, `config validate` and `migrate` refuse them. */
export interface DecodeOptions {
  /** Unknown and duplicate fields fail (config validate / migrate) instead of warning (join). */
  readonly strict?: boolean
}

/** The API group of every kubeadm configuration document. */
export const group = "kubeadm.k8s.io"
/** The versions kubeadm-ts reads; v1beta3 and v1beta4 are the ones current kubeadm reads. */
export const supportedVersions = ["v1beta1", "v1beta2", "v1beta3", "v1beta4"] as const
const currentVersions = new Set(["v1beta3", "v1beta4"])

const oldVersions: Record<string, string> = { v1alpha1: "v1.11", v1alpha2: "v1.12", v1alpha3: "v1.14" }

const configError = (message: string, field?: string) =>
  new ConfigError({ message, flag: "config", ...(field === undefined ? {} : { field }) })

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Go's `%#v` of a GroupVersionKind, as kubeadm's decoding errors print it. */
export const goGvk = (meta: TypeMeta): string => {
  const slash = meta.apiVersion.indexOf("/")
  const [g, v] = slash < 0 ? ["", meta.apiVersion] : [meta.apiVersion.slice(0, slash), meta.apiVersion.slice(slash + 1)]
  return `schema.GroupVersionKind{Group:${goQuote(g)}, Version:${goQuote(v)}, Kind:${goQuote(meta.kind)}}`
}

interface Document {
  readonly value: Record<string, unknown>
  /** `yaml: unmarshal errors: ...` lines for keys given twice in one map (Go's strict YAML). */
  readonly duplicates: ReadonlyArray<string>
}

/** Keys repeated within one mapping, each with its line inside the document (as Go's YAML reader numbers it). */
const duplicateKeys = (
  doc: ReturnType<typeof parseAllDocuments>[number] & { contents: unknown },
  text: string,
  lines: LineCounter
): string[] => {
  const start = doc.range?.[0] ?? 0
  // Go's document reader drops the `---` line: numbering restarts on the line after it.
  const first = lines.linePos(start).line + (text.startsWith("---", start) ? 1 : 0)
  const out: string[] = []
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return
      const seen = new Set<string>()
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined
        if (key === undefined) continue
        if (seen.has(key)) {
          const offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? start) : start
          out.push(`line ${lines.linePos(offset).line - first + 1}: key ${goQuote(key)} already set in map`)
        }
        seen.add(key)
      }
    }
  })
  return out
}

/** The documents of the file, each with its kind and apiVersion checked (errors aggregated). */
const splitDocuments = (text: string): Either.Either<ReadonlyArray<Document>, ConfigError> => {
  const lines = new LineCounter()
  // Duplicate keys are found below: kubeadm reports them as strict-decoding problems, not syntax errors.
  const docs = parseAllDocuments(text, {
    prettyErrors: false,
    logLevel: "error",
    uniqueKeys: false,
    lineCounter: lines
  })
  if (!Array.isArray(docs)) return Either.right([])
  const errors: string[] = []
  const seen = new Set<string>()
  const out: Document[] = []
  for (const doc of docs) {
    const problem = doc.errors[0]
    if (problem) return Either.left(configError(`error converting YAML to JSON: yaml: ${problem.message}`))
    // toJS throws on what parsing accepts but cannot resolve (an alias without its anchor).
    let value: unknown
    try {
      // maxAliasCount bounds alias expansion ("billion laughs"): a few aliases can
      // otherwise stand for gigabytes of nodes. (100 is also yaml's default: kept explicit.)
      value = doc.toJS({ maxAliasCount: 100 })
    } catch (e) {
      return Either.left(configError(`error converting YAML to JSON: yaml: ${causeText(e).split("\n")[0]}`))
    }
    if (value === null || value === undefined) continue
    if (
      !isRecord(value) ||
      typeof value["kind"] !== "string" ||
      typeof value["apiVersion"] !== "string" ||
      value["kind"] === "" ||
      value["apiVersion"] === ""
    ) {
      errors.push(
        "invalid configuration: kind and apiVersion is mandatory information that needs to be specified in all YAML documents"
      )
      continue
    }
    if (seen.has(value["kind"]))
      errors.push(`invalid configuration: kind ${goQuote(value["kind"])} is specified twice in YAML file`)
    seen.add(value["kind"])
    out.push({ value, duplicates: duplicateKeys(doc, text, lines) })
  }
  return errors.length > 0
    ? Either.left(new ConfigError({ message: aggregate(errors), flag: "config", problems: [...new Set(errors)] }))
    : Either.right(out)
}

/** The kind and apiVersion of every document, checked as for decoding (what `config validate` looks at first). */
export const documentTypes = (text: string): Either.Either<ReadonlyArray<TypeMeta>, ConfigError> =>
  Either.map(splitDocuments(text), (docs) =>
    docs.map((d) => ({ apiVersion: String(d.value["apiVersion"]), kind: String(d.value["kind"]) }))
  )

/** `path: message` per issue; the offending value is left out, since it may be a token or key. */
const formatIssues = (error: ParseResult.ParseError): ReadonlyArray<string> => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => {
    const message = i.message.replace(/,\s*actual[\s\S]*$/, "")
    return i.path.length > 0 ? `${i.path.join(".")}: ${message}` : message
  })
  // Optional fields also accept null/undefined: those alternatives only add noise.
  const useful = all.filter((m) => !/: Expected (null|undefined)$/.test(m))
  return useful.length > 0 ? [...new Set(useful)] : all
}

/** sigs.k8s.io/json's path of an unknown field: `a.b[0].c`. */
const jsonPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  )

/**
 * Decodes strictly; when unknown fields stop that, decodes again without them and hands
 * them back (kubeadm warns or fails on them, depending on the command and the version).
 */
const decodeReportingUnknown = <A, I>(schema: Schema.Schema<A, I>, value: unknown) => {
  const strict = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(value)
  return {
    decoded: Either.isRight(strict) ? strict : Schema.decodeUnknownEither(schema, { errors: "all" })(value),
    unknownFields: Either.isLeft(strict) ? strict.left : undefined
  }
}

/** kubeadm's strict-decoding problems of a document: duplicate keys, then unknown fields (sorted, as Go reports them). */
const strictProblems = (
  error: ParseResult.ParseError | undefined,
  duplicates: ReadonlyArray<string>
): ReadonlyArray<string> => {
  const unknown =
    error === undefined
      ? []
      : ParseResult.ArrayFormatter.formatErrorSync(error)
          .filter((i) => i.message.startsWith("is unexpected"))
          .map((i) => `unknown field ${goQuote(jsonPath(i.path))}`)
          .sort()
  return [...(duplicates.length > 0 ? [`yaml: unmarshal errors:\n  ${duplicates.join("\n  ")}`] : []), ...unknown]
}

const timeoutFields = [
  "controlPlaneComponentHealthCheck",
  "kubeletHealthCheck",
  "kubernetesAPICall",
  "etcdAPICall",
  "tlsBootstrap",
  "upgradeManifests"
] as const

/** A Go duration field: its default when absent, an error naming the field when it does not parse or is negative. */
const duration = (
  field: string,
  raw: string | undefined,
  fallback: Duration.Duration
): Either.Either<Duration.Duration, ConfigError> => {
  if (raw === undefined) return Either.right(fallback)
  const ms = parseGoDuration(raw)
  if (ms === undefined) return Either.left(configError(`${field}: time: invalid duration ${goQuote(raw)}`, field))
  if (ms < 0) return Either.left(configError(`${field}: Invalid value: ${goQuote(raw)}: must not be negative`, field))
  return Either.right(Duration.millis(ms))
}

/** v1beta3 `discovery.timeout`, v1beta4 `timeouts.*`: parsed, defaulted. */
const currentDurations = (
  version: string,
  decoded: ExternalJoinConfiguration | ExternalJoinConfigurationV1beta4
): Either.Either<Durations, ConfigError> =>
  Either.gen(function* () {
    const t: Partial<Record<string, string>> = ("timeouts" in decoded ? decoded.timeouts : undefined) ?? {}
    const discovery =
      version === "v1beta4"
        ? yield* duration("timeouts.discovery", t["discovery"], defaultDiscoveryTimeout)
        : yield* duration(
            "discovery.timeout",
            decoded.discovery && "timeout" in decoded.discovery ? decoded.discovery.timeout : undefined,
            defaultDiscoveryTimeout
          )
    const timeouts: Record<string, Duration.Duration> = {}
    for (const name of timeoutFields)
      timeouts[name] = yield* duration(`timeouts.${name}`, t[name], defaultTimeouts[name])
    return { discovery, timeouts: timeouts as unknown as Timeouts }
  })

/** The v1beta1/v1beta2 path, unchanged from kubeadm 1.15: unknown fields warn, `0` means the default timeout. */
const decodeLegacy = (
  doc: Document,
  apiVersion: string,
  schema: typeof JoinConfigurationV1beta1 | typeof JoinConfigurationV1beta2
) => {
  if (doc.duplicates.length > 0) {
    return Either.left(
      configError(`error converting YAML to JSON: yaml: unmarshal errors:\n  ${doc.duplicates.join("\n  ")}`)
    )
  }
  const warnings: string[] = []
  const { decoded, unknownFields } = decodeReportingUnknown(schema, doc.value)
  if (Either.isLeft(decoded)) {
    const issues = formatIssues(decoded.left)
    return Either.left(
      new ConfigError({
        message: `invalid JoinConfiguration (${apiVersion}): ${aggregate(issues)}`,
        flag: "config",
        problems: issues
      })
    )
  }
  if (unknownFields !== undefined) {
    for (const issue of formatIssues(unknownFields))
      warnings.push(`[config] WARNING: ignoring unknown JoinConfiguration field: ${issue}`)
  }
  const rawTimeout = decoded.right.discovery?.timeout
  let timeout = defaultDiscoveryTimeout
  if (rawTimeout !== undefined && rawTimeout !== "") {
    const ms = parseGoDuration(rawTimeout)
    if (ms === undefined)
      return Either.left(
        configError(`discovery.timeout: time: invalid duration ${goQuote(rawTimeout)}`, "discovery.timeout")
      )
    if (ms > 0) timeout = Duration.millis(ms)
  }
  return Either.right({
    config: fromExternal(decoded.right, { discovery: timeout, timeouts: defaultTimeouts }),
    warnings
  })
}

/** The v1beta3/v1beta4 path, as current kubeadm: strict problems are its one error message; other documents are named. */
const decodeCurrent = <A extends ExternalJoinConfiguration | ExternalJoinConfigurationV1beta4, I>(
  schema: Schema.Schema<A, I>,
  doc: Document,
  meta: TypeMeta,
  version: string,
  others: ReadonlyArray<TypeMeta>,
  options: DecodeOptions
) => {
  const warnings = others.map(
    (o) => `[config] WARNING: Ignored configuration document with GroupVersionKind ${o.apiVersion}, Kind=${o.kind}`
  )
  const { decoded, unknownFields } = decodeReportingUnknown(schema, doc.value)
  if (Either.isLeft(decoded)) {
    const issues = formatIssues(decoded.left)
    return Either.left(
      new ConfigError({
        message: `error unmarshaling configuration ${goGvk(meta)}: ${aggregate(issues)}`,
        flag: "config",
        problems: issues
      })
    )
  }
  const problems = strictProblems(unknownFields, doc.duplicates)
  if (problems.length > 0) {
    const message = `error unmarshaling configuration ${goGvk(meta)}: strict decoding error: ${problems.join(", ")}`
    const first = /unknown field "([^"]*)"/.exec(message)?.[1]
    if (options.strict === true)
      return Either.left(
        new ConfigError({ message, flag: "config", problems, ...(first === undefined ? {} : { field: first }) })
      )
    warnings.push(`[config] WARNING: ${message}`)
  }
  return Either.map(currentDurations(version, decoded.right), (durations) => ({
    config: fromExternal(decoded.right, durations),
    warnings
  }))
}

/** Decodes the text of a `--config` file. */
export const decodeJoinConfiguration = (
  text: string,
  options: DecodeOptions = {}
): Either.Either<Decoded, ConfigError> =>
  Either.flatMap(splitDocuments(text), (docs) => {
    const metas: TypeMeta[] = docs.map((d) => ({
      apiVersion: String(d.value["apiVersion"]),
      kind: String(d.value["kind"])
    }))
    for (const meta of metas) {
      const [g, version] = meta.apiVersion.split("/")
      const old = version === undefined ? undefined : oldVersions[version]
      if (g === group && old !== undefined) {
        return Either.left(
          configError(
            `your configuration file uses an old API spec: ${goQuote(meta.apiVersion)}. Please use kubeadm ${old} instead and run 'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write the new, similar spec using a newer API version.`
          )
        )
      }
    }
    const index = metas.findIndex((m) => m.kind === "JoinConfiguration")
    const doc = docs[index]
    const meta = metas[index]
    if (doc === undefined || meta === undefined)
      return Either.left(configError("no JoinConfiguration found in the supplied config"))
    const apiVersion = meta.apiVersion
    const version = apiVersion.startsWith(`${group}/`) ? apiVersion.slice(group.length + 1) : undefined
    const done = (r: Either.Either<{ config: JoinConfiguration; warnings: ReadonlyArray<string> }, ConfigError>) =>
      Either.map(r, (ok): Decoded => ({ ...ok, apiVersion, documents: metas }))
    if (version === "v1beta1") return done(decodeLegacy(doc, apiVersion, JoinConfigurationV1beta1))
    if (version === "v1beta2") return done(decodeLegacy(doc, apiVersion, JoinConfigurationV1beta2))
    if (version !== undefined && currentVersions.has(version)) {
      const others = metas.filter((m) => m !== meta)
      return done(
        version === "v1beta4"
          ? decodeCurrent(JoinConfigurationV1beta4, doc, meta, version, others, options)
          : decodeCurrent(JoinConfigurationV1beta3, doc, meta, version, others, options)
      )
    }
    return Either.left(
      configError(
        `unsupported apiVersion ${goQuote(apiVersion)} for JoinConfiguration: this version of kubeadm-ts reads ${supportedVersions.map((v) => `${group}/${v}`).join(", ")}`
      )
    )
  })
