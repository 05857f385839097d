/**
 * What the control-plane phases share: this node's merged control-plane
 * configuration (the cluster's ClusterConfiguration + this node's registration
 * and local API endpoint, kubeadm's InitConfiguration), the admin client built
 * from admin.conf, and the etcd client credentials and endpoints.
 */
import { Data, Effect, Option } from "effect"
import { JoinData } from "../discovery/join-data.js"
import { Etcd } from "../etcd/service.js"
import { type ClusterStatus, endpointsFromClusterStatus, endpointsFromEtcdPods, parseClusterStatus } from "../etcd/endpoints.js"
import type { EtcdTls } from "../etcd/gateway.js"
import { Host } from "../host/host.js"
import { JoinContext } from "../join-context.js"
import { KubeApi, type KubeClient } from "../kube-api/kube-api.js"
import { loadKubeconfig } from "../kubeconfig/load.js"
import type { ControlPlaneConfig } from "../manifests/control-plane-config.js"
import { controlPlaneConfigFrom } from "../manifests/from-cluster-configuration.js"
import { RootFs } from "../rootfs/index.js"
import { causeText } from "../cause-text.js"


/** A control-plane phase failed; `message` is the user-facing text. */
export class ControlPlaneJoinError extends Data.TaggedError("ControlPlaneJoinError")<{ readonly message: string }> {}

export const ADMIN_CONF = "/etc/kubernetes/admin.conf"

/** --apiserver-advertise-address, defaulted to the address of the default-route interface. */
export const advertiseAddress = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const given = config.controlPlane?.localAPIEndpoint.advertiseAddress ?? ""
  if (given !== "") return given
  const host = yield* Host
  const found = yield* host.defaultRouteAddress
  if (Option.isSome(found)) return found.value
  return yield* new ControlPlaneJoinError({
    message: "unable to select an IP from the default route: no interface holds a default route; set the address this control plane advertises with --apiserver-advertise-address"
  })
})

/** The merged configuration every control-plane builder works from. */
export const controlPlaneConfig = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const data = yield* JoinData
  const cluster = yield* data.clusterConfiguration
  const address = yield* advertiseAddress
  return controlPlaneConfigFrom(cluster.document, {
    nodeName: config.nodeRegistration.name,
    advertiseAddress: address,
    bindPort: config.controlPlane?.localAPIEndpoint.bindPort ?? 6443
  }) satisfies ControlPlaneConfig
})

/** The `kubernetes-admin` client of admin.conf (written by control-plane-prepare/kubeconfig). */
export const adminClient: Effect.Effect<KubeClient, ControlPlaneJoinError, RootFs | KubeApi> = Effect.gen(function* () {
  const kubeconfig = yield* loadKubeconfig(ADMIN_CONF).pipe(
    Effect.mapError(
      (e) =>
        new ControlPlaneJoinError({
          message: `${e.message}. Please use 'kubeadm join phase control-plane-prepare' subcommands to generate it.`
        })
    )
  )
  const api = yield* KubeApi
  return yield* api.client(kubeconfig).pipe(Effect.mapError((e) => new ControlPlaneJoinError({ message: e.message })))
})

/** CA + healthcheck-client credentials kubeadm's etcd client uses. */
export const etcdTls = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const dir = `${cfg.certificatesDir}/etcd`
    return {
      ca: yield* fs.readText(`${dir}/ca.crt`),
      cert: yield* fs.readText(`${dir}/healthcheck-client.crt`),
      key: yield* fs.readText(`${dir}/healthcheck-client.key`)
    } satisfies EtcdTls
  }).pipe(Effect.mapError((e) => new ControlPlaneJoinError({ message: `couldn't load the etcd client certificates: ${e.message}` })))

/** kubeadm-config holds a ClusterStatus document (1.15-1.21 clusters; 1.22+ have none). */
export const hasClusterStatus = (data: Readonly<Record<string, string>>): boolean => (data["ClusterStatus"] ?? "").trim() !== ""

/**
 * The ClusterStatus document of the kubeadm-config ConfigMap's data. A missing or empty key
 * and junk YAML are typed failures (kubeadm's wording), never a crash.
 */
export const readClusterStatus = (data: Readonly<Record<string, string>>): Effect.Effect<ClusterStatus, ControlPlaneJoinError> =>
  Effect.try({
    try: () => parseClusterStatus(data["ClusterStatus"]),
    // the yaml library's message quotes the source after its first line
    catch: (e) => new ControlPlaneJoinError({ message: `unexpected error when reading kubeadm-config ConfigMap: ${causeText(e).split("\n")[0]}` })
  }).pipe(
    Effect.flatMap((status) =>
      status === undefined
        ? Effect.fail(new ControlPlaneJoinError({ message: "unexpected error when reading kubeadm-config ConfigMap: ClusterStatus key value pair missing" }))
        : Effect.succeed(status)
    )
  )

/**
 * etcd client URLs: ClusterStatus.apiEndpoints (1.15-1.21 clusters), else the
 * etcd static Pods' advertise-client-urls annotation (1.18+).
 */
export const etcdEndpoints = (admin: KubeClient) =>
  Effect.gen(function* () {
    const cm = yield* Effect.either(admin.getConfigMap("kube-system", "kubeadm-config"))
    if (cm._tag === "Right" && hasClusterStatus(cm.right.data)) {
      const eps = endpointsFromClusterStatus(yield* readClusterStatus(cm.right.data))
      if (eps.length > 0) return eps
    }
    const pods = yield* admin.listPods("kube-system", "component=etcd,tier=control-plane").pipe(
      Effect.mapError((e) => new ControlPlaneJoinError({ message: `could not retrieve the list of etcd endpoints: ${e.message}` }))
    )
    const eps = endpointsFromEtcdPods(pods)
    if (eps.length === 0) return yield* new ControlPlaneJoinError({ message: "could not retrieve the list of etcd endpoints: no ClusterStatus entry and no annotated etcd Pod" })
    return eps
  })

/** An etcd client for this cluster (endpoints synced from the member list). */
export const etcdClient = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const admin = yield* adminClient
    const endpoints = yield* etcdEndpoints(admin)
    const tls = yield* etcdTls(cfg)
    const etcd = yield* Etcd
    return yield* etcd.connect(endpoints, tls).pipe(Effect.mapError((e) => new ControlPlaneJoinError({ message: e.message })))
  })
