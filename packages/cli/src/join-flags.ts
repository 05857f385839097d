/** @effect/cli options from the flag table, and their parsed values -> JoinFlags. */
import { Options } from "@effect/cli"
import { defaultJoinFlags, type JoinFlags } from "@kubeadm-ts/join/config"
import { type FlagSpec, globalFlags, joinFlags } from "./flag-table.js"

const describe = (f: FlagSpec): string =>
  f.defaultText === undefined ? f.description : `${f.description} (default ${f.defaultText})`

const optionFor = (f: FlagSpec): Options.Options<unknown> => {
  const base = (() => {
    switch (f.kind) {
      case "string":
        return Options.text(f.name).pipe(
          Options.withDefault(f.name === "rootfs" ? "/" : f.name === "output" ? "text" : "")
        )
      case "strings":
        return Options.text(f.name).pipe(Options.repeated)
      case "bool":
        return Options.boolean(f.name)
      case "int32":
      case "int":
        return Options.integer(f.name).pipe(Options.withDefault(Number(f.defaultText ?? "0")))
    }
  })() as Options.Options<unknown>
  return Options.withDescription(base, describe(f))
}

/** The options of `join` (every flag) or of a `join phase ...` leaf (its own flags and the global ones). */
export const joinOptions = (phaseFlags?: ReadonlyArray<string>): Record<string, Options.Options<unknown>> =>
  Object.fromEntries(
    joinFlags
      .filter((f) => phaseFlags === undefined || phaseFlags.includes(f.name) || globalFlags.includes(f.name))
      .map((f) => [f.name, optionFor(f)])
  )

/** The parsed option values (keyed by flag name) -> the join's flag model. */
export const toJoinFlags = (
  values: Readonly<Record<string, unknown>>,
  endpoint: string | undefined,
  changed: ReadonlyArray<string>
): JoinFlags => {
  const str = (name: string) => (typeof values[name] === "string" ? values[name] : "")
  const list = (name: string) => (Array.isArray(values[name]) ? (values[name] as ReadonlyArray<string>) : [])
  const bool = (name: string) => values[name] === true
  const num = (name: string, fallback: number) => (typeof values[name] === "number" ? values[name] : fallback)
  return {
    ...defaultJoinFlags,
    ...(endpoint === undefined ? {} : { apiServerEndpoint: endpoint }),
    config: str("config"),
    token: str("token"),
    discoveryToken: str("discovery-token"),
    discoveryTokenCaCertHash: list("discovery-token-ca-cert-hash"),
    discoveryTokenUnsafeSkipCaVerification: bool("discovery-token-unsafe-skip-ca-verification"),
    discoveryFile: str("discovery-file"),
    tlsBootstrapToken: str("tls-bootstrap-token"),
    nodeName: str("node-name"),
    criSocket: str("cri-socket"),
    ignorePreflightErrors: list("ignore-preflight-errors"),
    controlPlane: bool("control-plane") || bool("experimental-control-plane"),
    certificateKey: str("certificate-key"),
    apiserverAdvertiseAddress: str("apiserver-advertise-address"),
    apiserverBindPort: num("apiserver-bind-port", 6443),
    etcdLearner: bool("etcd-learner"),
    skipPhases: list("skip-phases"),
    rootfs: str("rootfs") || "/",
    verbosity: num("v", 0),
    selfTlsBootstrap: bool("self-tls-bootstrap"),
    patches: str("patches"),
    dryRun: bool("dry-run"),
    ...(str("output") === "json" ? { output: "json" as const } : {}),
    changed: new Set(changed)
  }
}
