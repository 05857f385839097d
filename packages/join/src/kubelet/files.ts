/**
 * The kubelet's files a join writes (spec §4, §6.2) and the flags file format.
 * All writes go through RootFs: atomic, explicit modes.
 */
import { Effect, Either } from "effect"
import * as YAML from "yaml"
import { goQuote } from "../config/formats.js"
import type { JoinConfiguration, Taint } from "../config/model.js"
import { type Kubeconfig, serializeKubeconfig } from "../kubeconfig/kubeconfig.js"
import { behaviourForMinor } from "../kubeadm-behaviour.js"
import { RootFs } from "../rootfs/rootfs.js"
import { JoinContext } from "../join-context.js"
import type { Json } from "../patches/apply.js"
import { patchTarget, PatchesError } from "../patches/patches.js"
import type { ConfigMap } from "../kube-api/kube-api.js"
import { KubeletError } from "./errors.js"
import { MAX_NESTING, nestedDeeperThan } from "../nesting.js"

/** The kubelet's kubeconfig after its TLS bootstrap. */
export const KUBELET_CONF = "/etc/kubernetes/kubelet.conf"
/** The bootstrap kubeconfig (holds the bootstrap token). */
export const BOOTSTRAP_KUBELET_CONF = "/etc/kubernetes/bootstrap-kubelet.conf"
/** The kubelet's KubeletConfiguration. */
export const KUBELET_CONFIG_YAML = "/var/lib/kubelet/config.yaml"
/** The node's own kubelet settings (NodeLocalCRISocket). */
export const KUBELET_INSTANCE_CONFIG_YAML = "/var/lib/kubelet/instance-config.yaml"
/** The kubelet flags kubeadm computes. */
export const KUBEADM_FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env"
/** Where the kubelet keeps its client and serving certificates. */
export const KUBELET_PKI_DIR = "/var/lib/kubelet/pki"
/** The Node annotation that remembered the CRI socket before NodeLocalCRISocket. */
export const CRI_SOCKET_ANNOTATION = "kubeadm.alpha.kubernetes.io/cri-socket"

/** The name the kubelet registers its Node under: a `hostname-override` kubelet flag wins. */
export const kubeletNodeName = (config: JoinConfiguration): string =>
  config.nodeRegistration.kubeletExtraArgs["hostname-override"] ?? config.nodeRegistration.name

/** What the kubelet flags depend on. */
export interface FlagInputs {
  /** `--container-runtime-endpoint`; absent when the socket is in instance-config.yaml (NodeLocalCRISocket). */
  readonly criSocket: string | undefined
  readonly nodeName: string
  /** The machine's lower-cased host name. */
  readonly hostname: string
  /** Worker joins only: the taints to register with. */
  readonly registerTaints: ReadonlyArray<Taint>
  readonly kubeletExtraArgs: Readonly<Record<string, string>>
  /** The cluster's minor version (flags changed over time). */
  readonly kubernetesMinor: number
  readonly systemdResolvedRunning: boolean
}

/** The kubelet flags kubeadm computes, `name -> value` (no leading dashes). */
export const kubeletFlags = (i: FlagInputs): Record<string, string> => {
  const flags: Record<string, string> = {}
  // `--container-runtime=remote` was required before the dockershim removal (1.24) and is gone in 1.27.
  if (behaviourForMinor(i.kubernetesMinor).containerRuntimeRemoteFlag) flags["container-runtime"] = "remote"
  if (i.criSocket !== undefined) flags["container-runtime-endpoint"] = i.criSocket
  if (i.registerTaints.length > 0) {
    flags["register-with-taints"] = i.registerTaints
      .map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ""}:${t.effect}`)
      .join(",")
  }
  if (i.systemdResolvedRunning) flags["resolv-conf"] = "/run/systemd/resolve/resolv.conf"
  if (i.nodeName !== i.hostname) flags["hostname-override"] = i.nodeName
  return { ...flags, ...i.kubeletExtraArgs }
}

/** `KUBELET_KUBEADM_ARGS="--a=b --c=d"` (sorted by name, Go-quoted) and a newline. */
export const flagsEnvFile = (flags: Readonly<Record<string, string>>): string => {
  const args = Object.keys(flags)
    .sort()
    .map((k) => `--${k}=${flags[k]}`)
    .join(" ")
  return `KUBELET_KUBEADM_ARGS=${goQuote(args)}\n`
}

/** bootstrap-kubelet.conf: holds the bootstrap token, so 0600. */
export const writeBootstrapKubeconfig = (k: Kubeconfig) =>
  Effect.flatMap(RootFs, (fs) =>
    fs.write(BOOTSTRAP_KUBELET_CONF, serializeKubeconfig(k), { mode: 0o600, dirMode: 0o755 })
  )

/** The cluster CA at `caCertPath` (0644), only when it is not there yet. */
export const writeCaCertIfMissing = (caCertPath: string, caPem: string) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    if (yield* fs.exists(caCertPath)) return false
    yield* fs.write(caCertPath, caPem, { mode: 0o644, dirMode: 0o755 })
    return true
  })

/** config.yaml (0644). */
export const writeKubeletConfig = (yaml: string) =>
  Effect.flatMap(RootFs, (fs) => fs.write(KUBELET_CONFIG_YAML, yaml, { mode: 0o644, dirMode: 0o700 }))

/**
 * config.yaml's layout: keys sorted, and an object the document holds twice (a YAML alias in
 * the cluster's text) written out twice. Sorting would otherwise put an alias before its
 * anchor, which the yaml library refuses to write.
 */
const writeOptions = { sortMapEntries: true, aliasDuplicateObjects: false } as const

/**
 * The cluster's KubeletConfiguration with the join's `kubeletconfiguration` patches applied
 * (before instance-config.yaml, as kubeadm), keys sorted as kubeadm's JSON round trip leaves
 * them; unchanged without a patch folder.
 */
export const patchKubeletConfig = (kubeletYaml: string) =>
  Effect.gen(function* () {
    const { options } = yield* JoinContext
    if (options.patches === undefined) return kubeletYaml
    const directory = options.patches.directory
    const doc = yield* Either.mapLeft(
      parseKubeletConfiguration(kubeletYaml),
      (why) =>
        new PatchesError({
          reason: "ApplyFailed",
          directory,
          target: "kubeletconfiguration",
          detail: `the cluster's KubeletConfiguration is ${why.startsWith("not YAML") ? why : `not usable: ${why}`}`
        })
    )
    return YAML.stringify(yield* patchTarget("kubeletconfiguration", doc as Json), writeOptions)
  })

/** The node's own kubelet settings (NodeLocalCRISocket): kubeadm writes only the CRI socket there. */
export const instanceConfig = (criSocket: string): string => `containerRuntimeEndpoint: ${JSON.stringify(criSocket)}\n`

/**
 * The cluster's KubeletConfiguration as a map (an empty document is an empty map); Left says why
 * it is not one. The text comes from the cluster: the yaml library's errors would otherwise
 * escape as defects, and alias expansion is bounded.
 */
export const parseKubeletConfiguration = (kubeletYaml: string): Either.Either<Record<string, unknown>, string> => {
  let doc: unknown
  try {
    doc = YAML.parse(kubeletYaml, { prettyErrors: false, maxAliasCount: 100, logLevel: "error" })
  } catch (e) {
    return Either.left(`not YAML: ${(e instanceof Error ? e.message : String(e)).split("\n")[0] ?? ""}`)
  }
  if (doc === null || doc === undefined) return Either.right({})
  if (nestedDeeperThan(doc)) return Either.left(`nested deeper than ${MAX_NESTING} levels`)
  return typeof doc === "object" && !Array.isArray(doc)
    ? Either.right(doc as Record<string, unknown>)
    : Either.left(`a KubeletConfiguration is a map, not ${Array.isArray(doc) ? "a list" : typeof doc}`)
}

/** The `kubelet` key of the kubelet's ConfigMap, refused unless it is a KubeletConfiguration map. */
export const kubeletConfigFromConfigMap = (cm: ConfigMap): Either.Either<string, KubeletError> => {
  const yaml = cm.data["kubelet"]
  if (yaml === undefined)
    return Either.left(
      new KubeletError({
        reason: "ConfigDownloadFailed",
        detail: `the ConfigMap ${cm.metadata.name} has no "kubelet" key`
      })
    )
  return Either.match(parseKubeletConfiguration(yaml), {
    onLeft: (why) =>
      Either.left(
        new KubeletError({
          reason: "ConfigDownloadFailed",
          detail: `the "kubelet" key of the ConfigMap ${cm.metadata.name} is not a KubeletConfiguration: ${why}`
        })
      ),
    onRight: () => Either.right(yaml)
  })
}

/**
 * config.yaml with instance-config.yaml applied over the cluster's KubeletConfiguration, keys
 * sorted as kubeadm's JSON round trip leaves them (the text was checked by kubeletConfigFromConfigMap).
 */
export const withInstanceConfig = (kubeletYaml: string, criSocket: string): string => {
  const base = Either.getOrElse(parseKubeletConfiguration(kubeletYaml), () => ({}))
  return YAML.stringify({ ...base, containerRuntimeEndpoint: criSocket }, writeOptions)
}

/** instance-config.yaml (0644). */
export const writeInstanceConfig = (criSocket: string) =>
  Effect.flatMap(RootFs, (fs) =>
    fs.write(KUBELET_INSTANCE_CONFIG_YAML, instanceConfig(criSocket), { mode: 0o644, dirMode: 0o700 })
  )

/** kubeadm-flags.env (0644). */
export const writeFlagsEnv = (flags: Readonly<Record<string, string>>) =>
  Effect.flatMap(RootFs, (fs) => fs.write(KUBEADM_FLAGS_ENV, flagsEnvFile(flags), { mode: 0o644, dirMode: 0o700 }))

/** `kubelet-client-YYYY-MM-DD-HH-MM-SS.pem`, the kubelet's name for a rotated client PEM. */
export const clientPemName = (at: Date): string => {
  const p = (n: number) => String(n).padStart(2, "0")
  return `kubelet-client-${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())}-${p(at.getUTCHours())}-${p(at.getUTCMinutes())}-${p(at.getUTCSeconds())}.pem`
}
