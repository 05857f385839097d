/**
 * `--config` file -> model: split the YAML documents, pick the JoinConfiguration,
 * decode it (v1beta1 / v1beta2) and apply the static defaults (spec join-node §1.3).
 * Unknown fields only produce a warning, as in kubeadm.
 */
import { Duration, Either, ParseResult, Schema } from "effect"
import { parseAllDocuments } from "yaml"
import { defaultDiscoveryTimeout, fromExternal } from "./defaults.js"
import { aggregate, ConfigError } from "./errors.js"
import { JoinConfigurationV1beta1, JoinConfigurationV1beta2 } from "./external.js"
import { goQuote, parseGoDuration } from "./formats.js"
import type { JoinConfiguration } from "./model.js"
import { causeText } from "../cause-text.js"

export interface Decoded {
  readonly config: JoinConfiguration
  readonly warnings: ReadonlyArray<string>
}

const oldVersions: Record<string, string> = { v1alpha1: "v1.11", v1alpha2: "v1.12", v1alpha3: "v1.14" }

const configError = (message: string, field?: string) =>
  new ConfigError({ message, flag: "config", ...(field === undefined ? {} : { field }) })

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The documents of the file, each with its kind and apiVersion checked (errors aggregated). */
const splitDocuments = (text: string): Either.Either<ReadonlyArray<Record<string, unknown>>, ConfigError> => {
  const docs = parseAllDocuments(text, { prettyErrors: false, logLevel: "error" })
  if (!Array.isArray(docs)) return Either.right([])
  const errors: string[] = []
  const seen = new Set<string>()
  const out: Record<string, unknown>[] = []
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
    if (!isRecord(value) || typeof value["kind"] !== "string" || typeof value["apiVersion"] !== "string" || value["kind"] === "" || value["apiVersion"] === "") {
      errors.push("invalid configuration: kind and apiVersion is mandatory information that needs to be specified in all YAML documents")
      continue
    }
    if (seen.has(value["kind"])) errors.push(`invalid configuration: kind ${goQuote(value["kind"])} is specified twice in YAML file`)
    seen.add(value["kind"])
    out.push(value)
  }
  return errors.length > 0 ? Either.left(new ConfigError({ message: aggregate(errors), flag: "config", problems: [...new Set(errors)] })) : Either.right(out)
}

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

/** Decodes the text of a `--config` file. */
export const decodeJoinConfiguration = (text: string): Either.Either<Decoded, ConfigError> =>
  Either.flatMap(splitDocuments(text), (docs) => {
    for (const doc of docs) {
      const [group, version] = String(doc["apiVersion"]).split("/")
      const old = version === undefined ? undefined : oldVersions[version]
      if (group === "kubeadm.k8s.io" && old !== undefined) {
        return Either.left(
          configError(
            `your configuration file uses an old API spec: ${goQuote(String(doc["apiVersion"]))}. Please use kubeadm ${old} instead and run 'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write the new, similar spec using a newer API version.`
          )
        )
      }
    }
    const doc = docs.find((d) => d["kind"] === "JoinConfiguration")
    if (doc === undefined) return Either.left(configError("no JoinConfiguration found in the supplied config"))
    const apiVersion = String(doc["apiVersion"])
    const schema =
      apiVersion === "kubeadm.k8s.io/v1beta1" ? JoinConfigurationV1beta1 : apiVersion === "kubeadm.k8s.io/v1beta2" ? JoinConfigurationV1beta2 : undefined
    if (schema === undefined) {
      return Either.left(
        configError(
          `unsupported apiVersion ${goQuote(apiVersion)} for JoinConfiguration: this version of kubeadm-ts reads kubeadm.k8s.io/v1beta1 and kubeadm.k8s.io/v1beta2`
        )
      )
    }
    const warnings: string[] = []
    const strict = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(doc)
    const decoded = Either.isRight(strict) ? strict : Schema.decodeUnknownEither(schema, { errors: "all" })(doc)
    if (Either.isLeft(decoded)) {
      const issues = formatIssues(decoded.left)
      return Either.left(new ConfigError({ message: `invalid JoinConfiguration (${apiVersion}): ${aggregate(issues)}`, flag: "config", problems: issues }))
    }
    if (Either.isLeft(strict)) {
      for (const issue of formatIssues(strict.left)) warnings.push(`[config] WARNING: ignoring unknown JoinConfiguration field: ${issue}`)
    }
    const rawTimeout = decoded.right.discovery?.timeout
    let timeout = defaultDiscoveryTimeout
    if (rawTimeout !== undefined && rawTimeout !== "") {
      const ms = parseGoDuration(rawTimeout)
      if (ms === undefined) return Either.left(configError(`discovery.timeout: time: invalid duration ${goQuote(rawTimeout)}`, "discovery.timeout"))
      if (ms > 0) timeout = Duration.millis(ms)
    }
    return Either.right({ config: fromExternal(decoded.right, timeout), warnings })
  })
