/**
 * Model -> kubeadm.k8s.io/v1beta4 JoinConfiguration YAML, as kubeadm marshals it:
 * keys sorted, `omitempty` fields left out, `taints: null` when none were given,
 * every timeout written out. Used by `config print join-defaults` and `config migrate`.
 */
import { Duration } from "effect"
import { stringify } from "yaml"
import { defaultTimeouts } from "./defaults.js"
import { formatGoDuration } from "./formats.js"
import type { JoinConfiguration } from "./model.js"

const goDuration = (d: Duration.Duration): string => formatGoDuration(Duration.toMillis(d))

/** Only the entries whose value is set and non-empty (Go's omitempty). */
const omitEmpty = (entries: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(entries).filter(
      ([, v]) => v !== undefined && v !== "" && v !== false && v !== 0 && !(Array.isArray(v) && v.length === 0)
    )
  )

/** Writes a JoinConfiguration out as a v1beta4 document (config print, migrate), fields in kubeadm's order. */
export const toV1beta4Document = (config: JoinConfiguration): Record<string, unknown> => {
  const nr = config.nodeRegistration
  const d = config.discovery
  const bt = d.bootstrapToken
  const cp = config.controlPlane
  const t = config.timeouts ?? defaultTimeouts
  return omitEmpty({
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "JoinConfiguration",
    caCertPath: config.caCertPath,
    ...(cp === undefined
      ? {}
      : {
          controlPlane: omitEmpty({
            localAPIEndpoint: omitEmpty({
              advertiseAddress: cp.localAPIEndpoint.advertiseAddress,
              bindPort: cp.localAPIEndpoint.bindPort
            }),
            certificateKey: cp.certificateKey
          })
        }),
    discovery: omitEmpty({
      bootstrapToken:
        bt === undefined
          ? undefined
          : {
              // token has no omitempty in kubeadm's type
              token: bt.token,
              ...omitEmpty({
                apiServerEndpoint: bt.apiServerEndpoint,
                caCertHashes: bt.caCertHashes,
                unsafeSkipCAVerification: bt.unsafeSkipCAVerification
              })
            },
      file: d.file === undefined ? undefined : { kubeConfigPath: d.file.kubeConfigPath },
      tlsBootstrapToken: d.tlsBootstrapToken
    }),
    dryRun: config.dryRun,
    nodeRegistration: {
      ...omitEmpty({
        criSocket: nr.criSocket,
        ignorePreflightErrors: nr.ignorePreflightErrors,
        imagePullPolicy: nr.imagePullPolicy,
        kubeletExtraArgs: (
          nr.kubeletExtraArgList ?? Object.entries(nr.kubeletExtraArgs).map(([name, value]) => ({ name, value }))
        ).map((a) => ({
          name: a.name,
          value: a.value
        })),
        name: nr.name
      }),
      imagePullSerial: nr.imagePullSerial ?? true,
      taints:
        nr.taints === undefined
          ? null
          : nr.taints.map((x) => omitEmpty({ key: x.key, value: x.value, effect: x.effect }))
    },
    patches: (config.patchesDirectory ?? "") === "" ? undefined : { directory: config.patchesDirectory },
    skipPhases: config.skipPhases,
    timeouts: {
      controlPlaneComponentHealthCheck: goDuration(t.controlPlaneComponentHealthCheck),
      discovery: goDuration(d.timeout),
      etcdAPICall: goDuration(t.etcdAPICall),
      kubeletHealthCheck: goDuration(t.kubeletHealthCheck),
      kubernetesAPICall: goDuration(t.kubernetesAPICall),
      tlsBootstrap: goDuration(t.tlsBootstrap),
      upgradeManifests: goDuration(t.upgradeManifests)
    }
  })
}

/** The YAML text kubeadm writes for this configuration (sorted keys, block sequences not indented). */
export const toV1beta4Yaml = (config: JoinConfiguration): string =>
  stringify(toV1beta4Document(config), { sortMapEntries: true, indentSeq: false, lineWidth: 0 })
