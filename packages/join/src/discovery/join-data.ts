/**
 * `JoinData`: what the phases learn from the cluster, computed once, lazily, and
 * cached (like kubeadm's joinData): the verified cluster from discovery, the TLS
 * bootstrap kubeconfig built from it, a client with that identity, and the
 * cluster's ClusterConfiguration (kubeadm-config). Whichever phase asks first
 * pays; `join phase kubelet-start` alone still works.
 */
import { Context, Data, Effect, Layer } from "effect"
import * as YAML from "yaml"
import { JoinContext } from "../join-context.js"
import { Crypto } from "../crypto/crypto.js"
import { bootstrapKubeconfig, type Kubeconfig } from "../kubeconfig/kubeconfig.js"
import { kubeadmBehaviour } from "../kubeadm-behaviour.js"
import { KubeApi, type KubeApiError, type KubeClient } from "../kube-api/kube-api.js"
import { Output } from "../output.js"
import { RootFs } from "../rootfs/rootfs.js"
import { DiscoveryError } from "./errors.js"
import { fileDiscovery } from "./file.js"
import { type DiscoveredCluster, tokenDiscovery } from "./token.js"
import { causeText } from "../cause-text.js"

/** The reasons of ClusterDataError. */
export const clusterDataErrorReasons = ["NoBootstrapCredentials", "ClusterConfiguration"] as const

/** Reading the cluster's data failed beyond discovery itself; `reason` says which part. */
export class ClusterDataError extends Data.TaggedError("ClusterDataError")<{
  /** NoBootstrapCredentials: nothing to authenticate the TLS bootstrap with; ClusterConfiguration: kubeadm-config unreadable. */
  readonly reason: (typeof clusterDataErrorReasons)[number]
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message() {
    switch (this.reason) {
      case "NoBootstrapCredentials":
        // kubeadm's exact wording, "boostrap" typo included (users search for it).
        return "couldn't find authentication credentials for the TLS boostrap process. Please use Token discovery, a discovery file with embedded authentication credentials or a discovery file without authentication credentials but with the TLSBootstrapToken flag"
      case "ClusterConfiguration":
        return `unable to fetch the kubeadm-config ConfigMap: ${this.detail ?? ""}`
    }
  }
}

/** Everything reading the cluster's data can fail with. */
export type JoinDataError = DiscoveryError | ClusterDataError | KubeApiError

/** The cluster's ClusterConfiguration from the kubeadm-config ConfigMap: the text, the parsed document and what the join reads. */
export interface ClusterConfiguration {
  /** The YAML text of `data.ClusterConfiguration`. */
  readonly raw: string
  readonly document: Readonly<Record<string, unknown>>
  readonly kubernetesVersion: string
  readonly clusterName: string
  readonly imageRepository: string
  readonly controlPlaneEndpoint: string
}

/** What the join learns from the cluster, discovered once and cached: CA and endpoint, bootstrap kubeconfig and client, ClusterConfiguration. */
export interface JoinDataService {
  readonly cluster: Effect.Effect<DiscoveredCluster, DiscoveryError>
  /** The kubeconfig the kubelet (and join) authenticate with before having a certificate. */
  readonly tlsBootstrapKubeconfig: Effect.Effect<Kubeconfig, DiscoveryError | ClusterDataError>
  readonly bootstrapClient: Effect.Effect<KubeClient, JoinDataError>
  readonly clusterConfiguration: Effect.Effect<ClusterConfiguration, JoinDataError>
}

/** Resolves to this join's cluster data; the live layer discovers at most once per join. */
export class JoinData extends Context.Tag("@kubeadm-ts/join/JoinData")<JoinData, JoinDataService>() {}

/** The lowest control-plane version this join supports (kubeadm v1.15's minimum). */
const MINIMUM_CONTROL_PLANE = { major: 1, minor: 13 } as const

const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback)

/** Parses `data.ClusterConfiguration` and refuses a control plane older than 1.13, as kubeadm 1.15 does. */
export const parseClusterConfiguration = (raw: string): Effect.Effect<ClusterConfiguration, ClusterDataError> =>
  Effect.gen(function* () {
    let doc: unknown
    try {
      doc = YAML.parse(raw, { prettyErrors: false, maxAliasCount: 100 }) // bounded alias expansion: the cluster's text
    } catch (e) {
      return yield* Effect.fail(
        new ClusterDataError({
          reason: "ClusterConfiguration",
          detail: `ClusterConfiguration is not valid YAML: ${causeText(e).split("\n")[0]}`,
          cause: e
        })
      )
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      return yield* Effect.fail(
        new ClusterDataError({ reason: "ClusterConfiguration", detail: "ClusterConfiguration is not a YAML mapping" })
      )
    }
    const d = doc as Record<string, unknown>
    const version = str(d["kubernetesVersion"], "")
    const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
    if (m === null)
      return yield* Effect.fail(
        new ClusterDataError({
          reason: "ClusterConfiguration",
          detail: `the cluster's kubernetesVersion "${version}" is not a version`
        })
      )
    const major = Number(m[1])
    const minor = Number(m[2])
    const older =
      major < MINIMUM_CONTROL_PLANE.major ||
      (major === MINIMUM_CONTROL_PLANE.major && minor < MINIMUM_CONTROL_PLANE.minor)
    if (older) {
      return yield* Effect.fail(
        new ClusterDataError({
          reason: "ClusterConfiguration",
          detail: `this version of kubeadm only supports deploying clusters with the control plane version >= 1.13.0. Current version: ${version}`
        })
      )
    }
    return {
      raw,
      document: d,
      kubernetesVersion: version,
      clusterName: str(d["clusterName"], "kubernetes") || "kubernetes",
      imageRepository: str(d["imageRepository"], "registry.k8s.io") || "registry.k8s.io",
      controlPlaneEndpoint: str(d["controlPlaneEndpoint"], "")
    }
  })

/** Computes each datum on first use and caches it for the rest of the join. */
export const make = Effect.gen(function* () {
  const context = yield* Effect.context<JoinContext | KubeApi | Crypto | RootFs | Output>()
  const { config } = yield* JoinContext
  const out = yield* Output
  const api = yield* KubeApi

  const discover: Effect.Effect<DiscoveredCluster, DiscoveryError> = Effect.gen(function* () {
    const d = config.discovery
    if (d.bootstrapToken !== undefined) {
      if (d.bootstrapToken.caCertHashes.length === 0 && d.bootstrapToken.unsafeSkipCAVerification) {
        yield* out.warn(
          "[discovery] WARNING: --discovery-token-unsafe-skip-ca-verification is set: the cluster CA is not pinned, so this node trusts whichever API server answers with a valid token signature"
        )
      }
      return yield* tokenDiscovery(d.bootstrapToken, d.timeout)
    }
    if (d.file !== undefined) return yield* fileDiscovery(d.file, d.timeout)
    return yield* Effect.fail(
      new DiscoveryError({
        reason: "Invalid",
        detail: "no discovery method was configured (bootstrapToken or file must be set)"
      })
    )
  }).pipe(Effect.provide(context))

  const cluster = yield* Effect.cached(discover)

  const tlsBootstrapKubeconfig = Effect.flatMap(cluster, (c) => {
    const token = config.discovery.tlsBootstrapToken
    if (token !== "") return Effect.succeed(bootstrapKubeconfig({ server: c.server, caPem: c.caPem, token }))
    if (c.credentials !== undefined) return Effect.succeed(c.credentials)
    return Effect.fail(new ClusterDataError({ reason: "NoBootstrapCredentials" }))
  })

  const bootstrapClient = yield* Effect.cached(Effect.flatMap(tlsBootstrapKubeconfig, (k) => api.client(k)))

  const clusterConfiguration = yield* Effect.cached(
    Effect.gen(function* () {
      const client = yield* bootstrapClient
      // kubeadm names what it reads before reading it; its wording depends on the cluster's version,
      // known once the configuration is read: the lines are printed then, or before the error
      const oldWording = Effect.zipRight(
        out.info("[preflight] Reading configuration from the cluster..."),
        out.info(
          "[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'"
        )
      )
      const read = Effect.gen(function* () {
        const cm = yield* Effect.mapError(
          client.getConfigMap("kube-system", "kubeadm-config"),
          (e) =>
            new ClusterDataError({
              reason: "ClusterConfiguration",
              detail: `failed to get config map: ${e.message}`,
              cause: e
            })
        )
        const raw = cm.data["ClusterConfiguration"]
        if (raw === undefined) {
          return yield* Effect.fail(
            new ClusterDataError({
              reason: "ClusterConfiguration",
              detail:
                "unexpected error when reading kubeadm-config ConfigMap: ClusterConfiguration key value pair missing"
            })
          )
        }
        return yield* parseClusterConfiguration(raw)
      })
      const parsed = yield* Effect.tapError(read, () => oldWording)
      if (!kubeadmBehaviour(parsed).currentWording) yield* oldWording
      else {
        yield* out.info(
          '[preflight] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...'
        )
        yield* out.info(
          "[preflight] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it."
        )
      }
      return parsed
    })
  )

  const service: JoinDataService = { cluster, tlsBootstrapKubeconfig, bootstrapClient, clusterConfiguration }
  return service
})

/** The join's data, from the cluster (discovery, then the bootstrap client). */
export const layer: Layer.Layer<JoinData, never, JoinContext | KubeApi | Crypto | RootFs | Output> = Layer.effect(
  JoinData,
  make
)

/** A JoinData whose every member not given dies, naming itself. */
export const layerTest = (partial: Partial<JoinDataService> = {}): Layer.Layer<JoinData> =>
  Layer.succeed(JoinData, {
    cluster: Effect.die("JoinData.cluster was not expected by this test"),
    tlsBootstrapKubeconfig: Effect.die("JoinData.tlsBootstrapKubeconfig was not expected by this test"),
    bootstrapClient: Effect.die("JoinData.bootstrapClient was not expected by this test"),
    clusterConfiguration: Effect.die("JoinData.clusterConfiguration was not expected by this test"),
    ...partial
  })
