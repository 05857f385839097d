/**
 * The external (YAML) shapes of JoinConfiguration in kubeadm.k8s.io/v1beta1 and
 * v1beta2, as effect Schemas. v1beta1 has no certificateKey and no
 * ignorePreflightErrors. `null` is accepted wherever a field may be omitted
 * (kubeadm itself prints `taints: null`).
 */
import { Schema } from "effect"

const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { nullable: true })

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

const discovery = Schema.Struct({
  bootstrapToken: opt(
    Schema.Struct({
      token: opt(Schema.String),
      apiServerEndpoint: opt(Schema.String),
      caCertHashes: opt(Schema.Array(Schema.String)),
      unsafeSkipCAVerification: opt(Schema.Boolean)
    })
  ),
  file: opt(Schema.Struct({ kubeConfigPath: opt(Schema.String) })),
  tlsBootstrapToken: opt(Schema.String),
  timeout: opt(Schema.String)
})

const localAPIEndpoint = Schema.Struct({ advertiseAddress: opt(Schema.String), bindPort: opt(Schema.Int) })

const typeMeta = { apiVersion: Schema.String, kind: Schema.Literal("JoinConfiguration") }

export const JoinConfigurationV1beta1 = Schema.Struct({
  ...typeMeta,
  nodeRegistration: opt(Schema.Struct(nodeRegistration)),
  caCertPath: opt(Schema.String),
  discovery: opt(discovery),
  controlPlane: opt(Schema.Struct({ localAPIEndpoint: opt(localAPIEndpoint) }))
})

export const JoinConfigurationV1beta2 = Schema.Struct({
  ...typeMeta,
  nodeRegistration: opt(
    Schema.Struct({ ...nodeRegistration, ignorePreflightErrors: opt(Schema.Array(Schema.String)) })
  ),
  caCertPath: opt(Schema.String),
  discovery: opt(discovery),
  controlPlane: opt(
    Schema.Struct({ localAPIEndpoint: opt(localAPIEndpoint), certificateKey: opt(Schema.String) })
  )
})

/** Both versions decode to this (v1beta1 simply never has the v1beta2-only fields). */
export type ExternalJoinConfiguration = typeof JoinConfigurationV1beta2.Type
