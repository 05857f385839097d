/**
 * kubeadm's static defaults (applied while decoding, spec join-node §1.3) and
 * the control-plane default taint.
 */
import { Duration } from "effect"
import type { ExternalJoinConfiguration } from "./external.js"
import type { JoinConfiguration, Taint } from "./model.js"

export const defaultCaCertPath = "/etc/kubernetes/pki/ca.crt"
export const defaultDiscoveryTimeout = Duration.minutes(5)
export const defaultBindPort = 6443

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
 * The taint a control-plane node gets when the configuration gives none:
 * `master` up to Kubernetes 1.23, `control-plane` since (chosen by the cluster's version).
 */
export const defaultControlPlaneTaint = (kubernetesMinor: number): Taint => ({
  key: kubernetesMinor >= 24 ? "node-role.kubernetes.io/control-plane" : "node-role.kubernetes.io/master",
  effect: "NoSchedule"
})

/** The taints to register for a node: the configured ones, or the control-plane default. */
export const nodeTaints = (config: JoinConfiguration, kubernetesMinor: number): ReadonlyArray<Taint> =>
  config.nodeRegistration.taints ?? (config.controlPlane ? [defaultControlPlaneTaint(kubernetesMinor)] : [])

/** External document -> model with static defaults (no dynamic defaults, no validation yet). */
export const fromExternal = (ext: ExternalJoinConfiguration, timeout: Duration.Duration): JoinConfiguration => {
  const nr = ext.nodeRegistration
  const d = ext.discovery
  const bt = d?.bootstrapToken
  const cp = ext.controlPlane
  const taints = nr?.taints === null || nr?.taints === undefined ? undefined : nr.taints.map(toTaint)
  return {
    nodeRegistration: {
      name: nr?.name ?? "",
      criSocket: nr?.criSocket ?? "",
      taints,
      kubeletExtraArgs: { ...nr?.kubeletExtraArgs },
      ignorePreflightErrors: [...(nr?.ignorePreflightErrors ?? [])]
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
      timeout
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
      : {})
  }
}

const toTaint = (t: { readonly key: string; readonly value?: string | undefined; readonly effect: Taint["effect"] }): Taint =>
  t.value === undefined || t.value === "" ? { key: t.key, effect: t.effect } : { key: t.key, value: t.value, effect: t.effect }
