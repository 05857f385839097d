/**
 * The external (YAML) shapes of JoinConfiguration in kubeadm.k8s.io/v1beta1 to
 * v1beta4, as effect Schemas. v1beta1 has no certificateKey and no
 * ignorePreflightErrors; v1beta3 adds skipPhases, patches and imagePullPolicy;
 * v1beta4 moves discovery.timeout into `timeouts`, turns kubeletExtraArgs into a
 * name/value list and adds dryRun and imagePullSerial. `null` is accepted wherever
 * a field may be omitted (kubeadm itself prints `taints: null`). Values are checked
 * by validation, not here, where kubeadm decodes any string (imagePullPolicy, durations).
 */
import { Schema } from "effect"

const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { nullable: true })

/** A node taint as written in YAML (every version); `timeAdded` is accepted and ignored. */
export const Taint = Schema.Struct({
  key: Schema.String,
  value: opt(Schema.String),
  effect: Schema.Literal("NoSchedule", "PreferNoSchedule", "NoExecute"),
  timeAdded: opt(Schema.Unknown)
})

const nodeRegistration = {
  name: opt(Schema.String),
  criSocket: opt(Schema.String),
  // Absent or null means "not given": control planes then get the default taint.
  taints: Schema.optional(Schema.NullOr(Schema.Array(Taint))),
  kubeletExtraArgs: opt(Schema.Record({ key: Schema.String, value: Schema.String }))
}

const discoveryFields = {
  bootstrapToken: opt(
    Schema.Struct({
      token: opt(Schema.String),
      apiServerEndpoint: opt(Schema.String),
      caCertHashes: opt(Schema.Array(Schema.String)),
      unsafeSkipCAVerification: opt(Schema.Boolean)
    })
  ),
  file: opt(Schema.Struct({ kubeConfigPath: opt(Schema.String) })),
  tlsBootstrapToken: opt(Schema.String)
}

const discovery = Schema.Struct({ ...discoveryFields, timeout: opt(Schema.String) })

const localAPIEndpoint = Schema.Struct({ advertiseAddress: opt(Schema.String), bindPort: opt(Schema.Int) })

const typeMeta = { apiVersion: Schema.String, kind: Schema.Literal("JoinConfiguration") }

/** kubeadm.k8s.io/v1beta1 JoinConfiguration (from kubeadm 1.13): no certificateKey, no ignorePreflightErrors. */
export const JoinConfigurationV1beta1 = Schema.Struct({
  ...typeMeta,
  nodeRegistration: opt(Schema.Struct(nodeRegistration)),
  caCertPath: opt(Schema.String),
  discovery: opt(discovery),
  controlPlane: opt(Schema.Struct({ localAPIEndpoint: opt(localAPIEndpoint) }))
})

/** kubeadm.k8s.io/v1beta2 JoinConfiguration (from kubeadm 1.15): adds certificateKey and ignorePreflightErrors. */
export const JoinConfigurationV1beta2 = Schema.Struct({
  ...typeMeta,
  nodeRegistration: opt(
    Schema.Struct({ ...nodeRegistration, ignorePreflightErrors: opt(Schema.Array(Schema.String)) })
  ),
  caCertPath: opt(Schema.String),
  discovery: opt(discovery),
  controlPlane: opt(Schema.Struct({ localAPIEndpoint: opt(localAPIEndpoint), certificateKey: opt(Schema.String) }))
})

const patches = Schema.Struct({ directory: opt(Schema.String) })

/** kubeadm.k8s.io/v1beta3 JoinConfiguration (from kubeadm 1.22): adds skipPhases, patches and imagePullPolicy. */
export const JoinConfigurationV1beta3 = Schema.Struct({
  ...typeMeta,
  nodeRegistration: opt(
    Schema.Struct({
      ...nodeRegistration,
      ignorePreflightErrors: opt(Schema.Array(Schema.String)),
      imagePullPolicy: opt(Schema.String)
    })
  ),
  caCertPath: opt(Schema.String),
  discovery: opt(discovery),
  controlPlane: opt(Schema.Struct({ localAPIEndpoint: opt(localAPIEndpoint), certificateKey: opt(Schema.String) })),
  skipPhases: opt(Schema.Array(Schema.String)),
  patches: opt(patches)
})

/** A v1beta4 `name`/`value` argument, which replaces the older maps of extra arguments. */
export const Arg = Schema.Struct({ name: opt(Schema.String), value: opt(Schema.String) })

/** Durations as Go writes them (`4m0s`); parsed after decoding so the error names the field. */
export const Timeouts = Schema.Struct({
  controlPlaneComponentHealthCheck: opt(Schema.String),
  kubeletHealthCheck: opt(Schema.String),
  kubernetesAPICall: opt(Schema.String),
  etcdAPICall: opt(Schema.String),
  tlsBootstrap: opt(Schema.String),
  discovery: opt(Schema.String),
  upgradeManifests: opt(Schema.String)
})

/** kubeadm.k8s.io/v1beta4 JoinConfiguration (from kubeadm 1.31): `timeouts`, list-form extra args, dryRun and imagePullSerial. */
export const JoinConfigurationV1beta4 = Schema.Struct({
  ...typeMeta,
  dryRun: opt(Schema.Boolean),
  nodeRegistration: opt(
    Schema.Struct({
      ...nodeRegistration,
      kubeletExtraArgs: opt(Schema.Array(Arg)),
      ignorePreflightErrors: opt(Schema.Array(Schema.String)),
      imagePullPolicy: opt(Schema.String),
      imagePullSerial: opt(Schema.Boolean)
    })
  ),
  caCertPath: opt(Schema.String),
  discovery: opt(Schema.Struct(discoveryFields)),
  controlPlane: opt(Schema.Struct({ localAPIEndpoint: opt(localAPIEndpoint), certificateKey: opt(Schema.String) })),
  skipPhases: opt(Schema.Array(Schema.String)),
  patches: opt(patches),
  timeouts: opt(Timeouts)
})

/** v1beta1..v1beta3 decode to this (older versions simply never have the newer fields). */
export type ExternalJoinConfiguration = typeof JoinConfigurationV1beta3.Type
/** A decoded v1beta4 document, before defaulting and validation. */
export type ExternalJoinConfigurationV1beta4 = typeof JoinConfigurationV1beta4.Type
