/**
 * ConfigError: bad input, found before anything touches the disk. Its message is
 * exactly what the user sees; `field` / `flag` name what was wrong.
 */
import { Data } from "effect"
import { redactSecrets } from "../redact.js"
import { goQuote } from "./formats.js"

/** What a ConfigError holds. */
export interface ConfigErrorFields {
  readonly message: string
  /** The JoinConfiguration field path of the (first) problem, e.g. `discovery.bootstrapToken.token`. */
  readonly field?: string
  /** The command-line flag of the (first) problem, without dashes, e.g. `rootfs`. */
  readonly flag?: string
  /** Every problem when several were found at once (the message is their aggregate). */
  readonly problems?: ReadonlyArray<string>
}

/** A configuration kubeadm would refuse; `message` is kubeadm's text, with any secret in it redacted. */
export class ConfigError extends Data.TaggedError("ConfigError")<ConfigErrorFields> {
  // Messages quote the bad value; a token or key given in the wrong place must not be echoed.
  constructor(fields: ConfigErrorFields) {
    super({
      ...fields,
      message: redactSecrets(fields.message),
      ...(fields.problems !== undefined ? { problems: fields.problems.map(redactSecrets) } : {})
    })
  }
}

/** One field problem, printed as Kubernetes' field.Error. */
export interface FieldError {
  readonly field: string
  readonly text: string
}

const badValue = (value: string | number | boolean): string =>
  typeof value === "string" ? goQuote(value) : String(value)

/** A field whose value is wrong, worded as Kubernetes' field.Invalid. */
export const invalid = (field: string, value: string | number | boolean, detail: string): FieldError => ({
  field,
  text: `${field}: Invalid value: ${badValue(value)}: ${detail}`
})

/** A field that must be set, worded as Kubernetes' field.Required. */
export const required = (field: string, detail: string): FieldError => ({
  field,
  text: `${field}: Required value: ${detail}`
})

/** Kubernetes' aggregate: one error prints as itself, several as `[e1, e2]`, duplicates removed. */
export const aggregate = (texts: ReadonlyArray<string>): string => {
  const unique = [...new Set(texts)]
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`
}

/** The flag that sets a field, for callers that point the user at the command line. */
const flagOfField: Record<string, string> = {
  "discovery.bootstrapToken.token": "discovery-token",
  "discovery.bootstrapToken.caCertHashes": "discovery-token-ca-cert-hash",
  "discovery.file.kubeConfigPath": "discovery-file",
  // not a flag: the positional argument, named as in the usage line
  "discovery.bootstrapToken.apiServerEndpoint": "api-server-endpoint",
  "discovery.tlsBootstrapToken": "tls-bootstrap-token",
  nodeRegistration: "node-name",
  "nodeRegistration.name": "node-name",
  "nodeRegistration.criSocket": "cri-socket",
  "controlPlane.localAPIEndpoint.advertiseAddress": "apiserver-advertise-address",
  "controlPlane.localAPIEndpoint.bindPort": "apiserver-bind-port",
  "controlPlane.certificateKey": "certificate-key",
  "ignore-preflight-errors": "ignore-preflight-errors"
}

/** Several field errors as one ConfigError, aggregated the way kubeadm prints them; names the flag behind the first. */
export const fieldErrors = (errors: ReadonlyArray<FieldError>): ConfigError => {
  const first = errors[0]
  const flag = first === undefined ? undefined : flagOfField[first.field]
  return new ConfigError({
    message: aggregate(errors.map((e) => e.text)),
    problems: [...new Set(errors.map((e) => e.text))],
    ...(first ? { field: first.field } : {}),
    ...(flag === undefined ? {} : { flag })
  })
}
