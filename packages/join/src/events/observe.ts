/**
 * The join's services, observed: layers over RootFs, KubeApi and JoinData that emit an event for
 * each file written, each API object created or changed, the discovery's result and the
 * cluster's version, without any phase knowing. join-layer.ts puts them over whichever
 * layers were chosen (live, dry run, or a test's fakes).
 */
import { type Check, type IgnoreSet, isIgnored } from "@kubeadm-ts/workflow"
import { Effect, Layer } from "effect"
import { sha256Hex } from "../crypto/hash.js"
import { JoinData, type JoinDataService } from "../discovery/join-data.js"
import { JoinContext } from "../join-context.js"
import { KubeApi, type KubeClient } from "../kube-api/kube-api.js"
import { Crypto } from "../crypto/crypto.js"
import { redactSecrets } from "../redact.js"
import { RootFs, type RootFsService } from "../rootfs/rootfs.js"
import { Events } from "./events.js"

const decoder = new TextDecoder()

/**
 * The digest of a written file, or none when the file holds a secret with too few bits to
 * hide behind a digest: a bootstrap token's secret is 16 characters of [a-z0-9] (about 83
 * bits) and the rest of bootstrap-kubelet.conf is known, so its digest could be searched.
 * A private key or a client certificate's key has hundreds of random bits: its digest says
 * nothing about it, and lets a tool check the file it finds is the one the join wrote.
 * The test is the shapes `redactSecrets` hides (a token, a certificate key).
 */
export const fileDigest = (data: string | Uint8Array): string | undefined => {
  const text = typeof data === "string" ? data : decoder.decode(data)
  return redactSecrets(text) === text ? `sha256:${sha256Hex(data)}` : undefined
}

const octal = (mode: number) => mode.toString(8).padStart(4, "0")

/** `service` with each successful write announced as a `file` event. */
export const observeRootFs = (service: RootFsService, events: Events["Type"]): RootFsService => ({
  ...service,
  write: (path, data, options) =>
    Effect.tap(service.write(path, data, options), () => {
      const digest = fileDigest(data)
      return events.emit({
        type: "file",
        path: path.startsWith("/") ? path : `/${path}`,
        mode: octal(options.mode),
        bytes: typeof data === "string" ? Buffer.byteLength(data) : data.byteLength,
        ...(digest === undefined ? {} : { sha256: digest })
      })
    })
})

const ns = (namespace: string | undefined) => (namespace === undefined || namespace === "" ? {} : { namespace })

/** `client` with each create, update and patch announced as an `api-object` event. */
export const observeClient = (client: KubeClient, events: Events["Type"]): KubeClient => ({
  ...client,
  updateConfigMap: (cm) =>
    Effect.tap(client.updateConfigMap(cm), (done) =>
      events.emit({
        type: "api-object",
        verb: "update",
        kind: "ConfigMap",
        name: done.metadata.name,
        ...ns(done.metadata.namespace ?? cm.metadata.namespace)
      })
    ),
  ensureRole: (role) =>
    Effect.tap(client.ensureRole(role), () =>
      events.emit({
        type: "api-object",
        verb: "create-or-update",
        kind: "Role",
        name: role.metadata.name,
        ...ns(role.metadata.namespace)
      })
    ),
  ensureRoleBinding: (binding) =>
    Effect.tap(client.ensureRoleBinding(binding), () =>
      events.emit({
        type: "api-object",
        verb: "create-or-update",
        kind: "RoleBinding",
        name: binding.metadata.name,
        ...ns(binding.metadata.namespace)
      })
    ),
  createNode: (node) =>
    Effect.tap(client.createNode(node), () =>
      events.emit({ type: "api-object", verb: "create", kind: "Node", name: node.name })
    ),
  patchNode: (name, patch) =>
    Effect.tap(client.patchNode(name, patch), () =>
      events.emit({ type: "api-object", verb: "patch", kind: "Node", name })
    ),
  createCsr: (csr) =>
    Effect.tap(client.createCsr(csr), (done) =>
      events.emit({ type: "api-object", verb: "create", kind: "CertificateSigningRequest", name: done.metadata.name })
    )
})

/** The RootFs of `layer`, observed. */
export const observedRootFs = <E, R>(layer: Layer.Layer<RootFs, E, R>): Layer.Layer<RootFs, E, R | Events> =>
  Layer.effect(
    RootFs,
    Effect.zipWith(RootFs, Events, (fs, events) => observeRootFs(fs, events))
  ).pipe(Layer.provide(layer))

/** The KubeApi of `layer`, each client it makes observed. */
export const observedKubeApi = <E, R>(layer: Layer.Layer<KubeApi, E, R>): Layer.Layer<KubeApi, E, R | Events> =>
  Layer.effect(
    KubeApi,
    Effect.zipWith(KubeApi, Events, (api, events) => ({
      client: (kubeconfig, options) => Effect.map(api.client(kubeconfig, options), (c) => observeClient(c, events))
    }))
  ).pipe(Layer.provide(layer))

/** The JoinData of `layer`, with the discovery's result and the cluster's version announced once each. */
export const observedJoinData = <E, R>(
  layer: Layer.Layer<JoinData, E, R>
): Layer.Layer<JoinData, E, R | Events | JoinContext | Crypto> =>
  Layer.effect(
    JoinData,
    Effect.gen(function* () {
      const data = yield* JoinData
      const events = yield* Events
      const { config } = yield* JoinContext
      const crypto = yield* Crypto
      const d = config.discovery
      const cluster = yield* Effect.cached(
        Effect.tap(data.cluster, (c) =>
          Effect.gen(function* () {
            const caPins = yield* Effect.orElseSucceed(crypto.caCertHashes(c.caPem), () => [])
            yield* events.emit({
              type: "discovery",
              method: d.bootstrapToken === undefined ? "file" : "token",
              endpoint: d.bootstrapToken?.apiServerEndpoint ?? d.file?.kubeConfigPath ?? "",
              server: c.server,
              caPins: [...caPins],
              pinned: [...(d.bootstrapToken?.caCertHashes ?? [])]
            })
          })
        )
      )
      const clusterConfiguration = yield* Effect.cached(
        Effect.tap(data.clusterConfiguration, (cc) =>
          events.emit({
            type: "cluster",
            kubernetesVersion: cc.kubernetesVersion,
            controlPlaneEndpoint: cc.controlPlaneEndpoint,
            clusterName: cc.clusterName
          })
        )
      )
      // The other data start with discovery (cached, so it runs once): it is announced whichever
      // is asked first. Its failure is theirs too, so it is left for them to report.
      const announced = Effect.asVoid(Effect.exit(cluster))
      const service: JoinDataService = {
        cluster,
        tlsBootstrapKubeconfig: Effect.zipRight(announced, data.tlsBootstrapKubeconfig),
        bootstrapClient: Effect.zipRight(announced, data.bootstrapClient),
        clusterConfiguration: Effect.zipRight(announced, clusterConfiguration)
      }
      return service
    })
  ).pipe(Layer.provide(layer))

/** `checks` with each one's outcome announced as a `preflight-check` event (in the order runChecks reads them). */
export const reportedChecks = <R>(checks: ReadonlyArray<Check<R>>, ignore: IgnoreSet): ReadonlyArray<Check<R>> =>
  checks.map((c) => ({
    name: c.name,
    run: Effect.tap(c.run, (outcome) =>
      Effect.flatMap(Effect.serviceOption(Events), (events) =>
        events._tag === "None"
          ? Effect.void
          : events.value.emit({
              type: "preflight-check",
              name: c.name,
              result: outcome.errors.length > 0 ? "error" : outcome.warnings.length > 0 ? "warning" : "pass",
              ignored: isIgnored(ignore, c.name),
              messages: [...outcome.errors, ...outcome.warnings]
            })
      )
    )
  }))
