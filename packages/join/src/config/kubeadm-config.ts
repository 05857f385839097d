/**
 * What `kubeadm config print join-defaults | validate | migrate` do with a
 * JoinConfiguration, as pure functions over text (the CLI reads and writes the
 * files). Strict, as kubeadm's config commands are: unknown and duplicate fields fail.
 * Only JoinConfiguration is decoded: kubeadm-ts knows the other kinds by name only.
 */
import { Either } from "effect"
import {
  type Decoded,
  decodeJoinConfiguration,
  documentTypes,
  goGvk,
  group,
  supportedVersions,
  type TypeMeta
} from "./decode.js"
import { defaultCriSocket, fromExternal } from "./defaults.js"
import { toV1beta4Yaml } from "./encode.js"
import { ConfigError, fieldErrors } from "./errors.js"
import { goQuote } from "./formats.js"
import type { JoinConfiguration } from "./model.js"
import { validateJoinConfiguration } from "./validate.js"

/** What the `config` subcommands need from the machine, passed in so they stay pure and testable. */
export interface ConfigCommandEnv {
  /** The kernel host name; throws when it cannot be read. */
  readonly hostname: () => string
  /** Whether a discovery file given without a scheme exists on this machine. */
  readonly fileExists: (path: string) => boolean
}

/** A configuration that passed validation, with the warnings to print. */
export interface Checked {
  readonly config: JoinConfiguration
  readonly warnings: ReadonlyArray<string>
}

/** kubeadm's placeholder token: printed by `print join-defaults` so the output validates. Not a secret. */
export const placeholderToken = "abcdef.0123456789abcdef"

/** The kinds kubeadm's schemes know per version (validateKnownGVKs); anything else is an unknown API. */
const knownKinds: Record<string, ReadonlyArray<string>> = {
  [`${group}/v1beta1`]: ["InitConfiguration", "ClusterConfiguration", "ClusterStatus", "JoinConfiguration"],
  [`${group}/v1beta2`]: ["InitConfiguration", "ClusterConfiguration", "ClusterStatus", "JoinConfiguration"],
  [`${group}/v1beta3`]: ["InitConfiguration", "ClusterConfiguration", "JoinConfiguration"],
  [`${group}/v1beta4`]: [
    "InitConfiguration",
    "ClusterConfiguration",
    "JoinConfiguration",
    "ResetConfiguration",
    "UpgradeConfiguration"
  ],
  "kubelet.config.k8s.io/v1beta1": ["KubeletConfiguration"],
  "kubeproxy.config.k8s.io/v1alpha1": ["KubeProxyConfiguration"]
}
/** Versions kubeadm once had: refused with their own message while decoding, not as unknown. */
const legacyVersions = new Set([`${group}/v1alpha1`, `${group}/v1alpha2`, `${group}/v1alpha3`])

const checkKnownKinds = (metas: ReadonlyArray<TypeMeta>): Either.Either<void, ConfigError> => {
  const unknown = metas.filter(
    (m) => !legacyVersions.has(m.apiVersion) && !(knownKinds[m.apiVersion] ?? []).includes(m.kind)
  )
  if (unknown.length === 0) return Either.void
  return Either.left(
    new ConfigError({
      message: `unknown configuration APIs: []schema.GroupVersionKind{${unknown.map(goGvk).join(", ")}}`,
      flag: "config",
      field: "apiVersion"
    })
  )
}

/** kubeadm's dynamic defaults without detection (SkipCRIDetect): host name, default or `unix://` CRI socket. */
const dynamicDefaults = (config: JoinConfiguration, env: ConfigCommandEnv): Either.Either<Checked, ConfigError> => {
  const warnings: string[] = []
  let name = config.nodeRegistration.name
  if (name === "") {
    try {
      name = env.hostname()
    } catch (e) {
      return Either.left(
        new ConfigError({ message: `couldn't determine hostname: ${String(e)}`, field: "nodeRegistration.name" })
      )
    }
  }
  name = name.trim().toLowerCase()
  let criSocket = config.nodeRegistration.criSocket
  if (criSocket === "") criSocket = defaultCriSocket
  else if (!criSocket.startsWith("unix")) {
    warnings.push(
      `[config] WARNING: Usage of CRI endpoints without URL scheme is deprecated and can cause kubelet errors in the future. Automatically prepending scheme "unix" to the "criSocket" with value ${goQuote(criSocket)}. Please update your configuration!`
    )
    criSocket = `unix://${criSocket}`
  }
  return Either.right({
    config: { ...config, nodeRegistration: { ...config.nodeRegistration, name, criSocket } },
    warnings
  })
}

/** Split, known kinds, strict decoding, dynamic defaults, validation: kubeadm's ValidateConfig for a JoinConfiguration. */
export const checkConfigText = (text: string, env: ConfigCommandEnv): Either.Either<Checked, ConfigError> =>
  Either.gen(function* () {
    const metas = yield* documentTypes(text)
    yield* checkKnownKinds(metas)
    const decoded: Decoded = yield* decodeJoinConfiguration(text, { strict: true })
    const defaulted = yield* dynamicDefaults(decoded.config, env)
    const problems = validateJoinConfiguration(defaulted.config, { fileExists: env.fileExists })
    if (problems.length > 0) return yield* Either.left(fieldErrors(problems))
    const notes = decoded.documents
      .filter((m) => m.kind !== "JoinConfiguration")
      .map(
        (m) =>
          `[config] WARNING: kubeadm-ts checks only JoinConfiguration: ${m.kind} (${m.apiVersion}) was not validated`
      )
    // decode's own warnings name the other documents for a join; here the note above says more.
    return { config: defaulted.config, warnings: [...defaulted.warnings, ...notes] }
  })

/** `config migrate`: any supported JoinConfiguration version, written as v1beta4 (other kinds are not carried over). */
export const migrateConfigText = (
  text: string,
  env: ConfigCommandEnv
): Either.Either<{ readonly yaml: string; readonly warnings: ReadonlyArray<string> }, ConfigError> =>
  Either.gen(function* () {
    const checked = yield* checkConfigText(text, env)
    const dropped = (yield* documentTypes(text))
      .filter((m) => m.kind !== "JoinConfiguration")
      .map(
        (m) =>
          `[config] WARNING: kubeadm-ts migrates only JoinConfiguration: ${m.kind} (${m.apiVersion}) is not in the output`
      )
    return {
      yaml: toV1beta4Yaml(checked.config),
      warnings: [...checked.warnings.filter((w) => !w.includes("was not validated")), ...dropped]
    }
  })

/** `config print join-defaults`: kubeadm's defaulted JoinConfiguration (placeholder token, endpoint `kube-apiserver:6443`). */
export const joinDefaultsText = (env: ConfigCommandEnv): Either.Either<string, ConfigError> =>
  Either.map(
    dynamicDefaults(
      fromExternal({
        apiVersion: `${group}/v1beta4`,
        kind: "JoinConfiguration",
        discovery: {
          bootstrapToken: {
            token: placeholderToken,
            apiServerEndpoint: "kube-apiserver:6443",
            unsafeSkipCAVerification: true
          }
        }
      }),
      env
    ),
    (c) => toV1beta4Yaml(c.config)
  )

/** The newest JoinConfiguration apiVersion, the one `config print` and `config migrate` write. */
export const latestVersion = `${group}/${supportedVersions[supportedVersions.length - 1] ?? "v1beta4"}`

/** Flags the commands refuse to run without, in kubeadm's words. */
export const mandatory = (flag: string): ConfigError =>
  new ConfigError({ message: `the --${flag} flag is mandatory`, flag })
