/**
 * kubeadm's static defaults (applied while decoding, spec join-node §1.3) and
 * the control-plane default taint.
 */
import { Duration } from "effect"
import type { ExternalJoinConfiguration, ExternalJoinConfigurationV1beta4 } from "./external.js"
import type { Arg, JoinConfiguration, Taint, Timeouts } from "./model.js"

/** kubeadm's default `caCertPath`, where the cluster CA lands after discovery. */
export const defaultCaCertPath = "/etc/kubernetes/pki/ca.crt"
/** kubeadm's default discovery timeout: 5 minutes to find and trust the API server. */
export const defaultDiscoveryTimeout = Duration.minutes(5)
/** The API server port a joining control plane listens on unless `bindPort` says otherwise. */
export const defaultBindPort = 6443
/** The image pull policy kubeadm uses when `nodeRegistration.imagePullPolicy` is empty. */
export const defaultImagePullPolicy = "IfNotPresent"
/** What kubeadm fills in when it is told not to detect the CRI socket (config print, validate). */
export const defaultCriSocket = "unix:///var/run/containerd/containerd.sock"

/** kubeadm's constants for v1beta4's timeouts (SetDefaults_Timeouts). */
export const defaultTimeouts: Timeouts = {
  controlPlaneComponentHealthCheck: Duration.minutes(4),
  kubeletHealthCheck: Duration.minutes(4),
  kubernetesAPICall: Duration.minutes(1),
  etcdAPICall: Duration.minutes(2),
  tlsBootstrap: Duration.minutes(5),
  upgradeManifests: Duration.minutes(5)
}

/** The last value of each name: what a map of flags would hold. */
export const argRecord = (args: ReadonlyArray<Arg>): Record<string, string> =>
  Object.fromEntries(args.map((a) => [a.name, a.value]))

/** A v1beta1..v1beta3 map as kubeadm converts it: sorted by name, then value. */
const argsOfMap = (map: Readonly<Record<string, string>> | undefined): ReadonlyArray<Arg> =>
  Object.entries(map ?? {})
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name === b.name ? (a.value < b.value ? -1 : 1) : a.name < b.name ? -1 : 1))

/** `file:///x` is kept as the path `/x`; anything else is left as it is. */
export const stripFileScheme = (path: string): string => {
  if (!/^file:/i.test(path)) return path
  try {
    return decodeURIComponent(new URL(path).pathname)
  } catch {
    return path
  }
}

/**
 * The taints to register for a node: the configured ones, or the control-plane default
 * (`controlPlaneTaint`, the cluster version's: kubeadm-behaviour).
 */
export const nodeTaints = (config: JoinConfiguration, controlPlaneTaint: Taint): ReadonlyArray<Taint> =>
  config.nodeRegistration.taints ?? (config.controlPlane ? [controlPlaneTaint] : [])

/** The durations of a document, already parsed (decode.ts does, to name a bad one). */
export interface Durations {
  readonly discovery: Duration.Duration
  readonly timeouts: Timeouts
}

/** External document (any version) -> model with static defaults (no dynamic defaults, no validation yet). */
export const fromExternal = (
  ext: ExternalJoinConfiguration | ExternalJoinConfigurationV1beta4,
  durations: Durations = { discovery: defaultDiscoveryTimeout, timeouts: defaultTimeouts }
): JoinConfiguration => {
  const nr = ext.nodeRegistration
  const extra = nr?.kubeletExtraArgs
  const args: ReadonlyArray<Arg> = Array.isArray(extra)
    ? extra.map((a: { readonly name?: string | undefined; readonly value?: string | undefined }) => ({
        name: a.name ?? "",
        value: a.value ?? ""
      }))
    : argsOfMap(extra as Readonly<Record<string, string>> | undefined)
  // Older schemas never hold v1beta4's fields: reading them there gives undefined.
  const v4 = ext as Partial<ExternalJoinConfigurationV1beta4>
  const d = ext.discovery
  const bt = d?.bootstrapToken
  const cp = ext.controlPlane
  const taints = nr?.taints === null || nr?.taints === undefined ? undefined : nr.taints.map(toTaint)
  return {
    nodeRegistration: {
      name: nr?.name ?? "",
      criSocket: nr?.criSocket ?? "",
      taints,
      kubeletExtraArgs: argRecord(args),
      kubeletExtraArgList: args,
      ignorePreflightErrors: [...(nr?.ignorePreflightErrors ?? [])],
      imagePullPolicy: nr?.imagePullPolicy || defaultImagePullPolicy,
      imagePullSerial: v4.nodeRegistration?.imagePullSerial ?? true
    },
    caCertPath: ext.caCertPath || defaultCaCertPath,
    discovery: {
      ...(bt
        ? {
            bootstrapToken: {
              token: bt.token ?? "",
              apiServerEndpoint: bt.apiServerEndpoint ?? "",
              caCertHashes: [...(bt.caCertHashes ?? [])],
              unsafeSkipCAVerification: bt.unsafeSkipCAVerification ?? false
            }
          }
        : {}),
      ...(d?.file ? { file: { kubeConfigPath: stripFileScheme(d.file.kubeConfigPath ?? "") } } : {}),
      tlsBootstrapToken: d?.tlsBootstrapToken || bt?.token || "",
      timeout: durations.discovery
    },
    ...(cp
      ? {
          controlPlane: {
            localAPIEndpoint: {
              advertiseAddress: cp.localAPIEndpoint?.advertiseAddress ?? "",
              bindPort: cp.localAPIEndpoint?.bindPort || defaultBindPort
            },
            certificateKey: cp.certificateKey ?? "",
            etcdLearnerMode: false
          }
        }
      : {}),
    skipPhases: [...(ext.skipPhases ?? [])],
    patchesDirectory: ext.patches?.directory ?? "",
    dryRun: v4.dryRun ?? false,
    timeouts: durations.timeouts
  }
}

const toTaint = (t: {
  readonly key: string
  readonly value?: string | undefined
  readonly effect: Taint["effect"]
}): Taint =>
  t.value === undefined || t.value === ""
    ? { key: t.key, effect: t.effect }
    : { key: t.key, value: t.value, effect: t.effect }
