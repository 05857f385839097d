/** A client of the cluster's etcd for a control-plane join: its members' URLs and kubeadm's client credentials. */
import { Effect, Either } from "effect"
import { Etcd, type EtcdClient, type EtcdTls } from "../etcd/etcd.js"
import { endpointsFromClusterStatus, endpointsFromEtcdPods } from "../etcd/endpoints.js"
import type { KubeApi, KubeClient } from "../kube-api/kube-api.js"
import type { ControlPlaneConfig } from "../manifests/control-plane-config.js"
import { RootFs } from "../rootfs/rootfs.js"
import { adminClient } from "./admin.js"
import { hasClusterStatus, readClusterStatus } from "./cluster-status.js"
import { ControlPlaneJoinError } from "./errors.js"

/** CA + healthcheck-client credentials kubeadm's etcd client uses. */
export const etcdTls = (cfg: ControlPlaneConfig): Effect.Effect<EtcdTls, ControlPlaneJoinError, RootFs> =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const dir = `${cfg.certificatesDir}/etcd`
    return {
      ca: yield* fs.readText(`${dir}/ca.crt`),
      cert: yield* fs.readText(`${dir}/healthcheck-client.crt`),
      key: yield* fs.readText(`${dir}/healthcheck-client.key`)
    } satisfies EtcdTls
  }).pipe(
    Effect.mapError((e) => new ControlPlaneJoinError({ reason: "EtcdCertificates", detail: e.message, cause: e }))
  )

/**
 * etcd client URLs: ClusterStatus.apiEndpoints (1.15-1.21 clusters), else the
 * etcd static Pods' advertise-client-urls annotation (1.18+).
 */
export const etcdEndpoints = (admin: KubeClient): Effect.Effect<ReadonlyArray<string>, ControlPlaneJoinError> =>
  Effect.gen(function* () {
    const cm = yield* Effect.either(admin.getConfigMap("kube-system", "kubeadm-config"))
    if (Either.isRight(cm) && hasClusterStatus(cm.right.data)) {
      const eps = endpointsFromClusterStatus(yield* readClusterStatus(cm.right.data))
      if (eps.length > 0) return eps
    }
    const pods = yield* admin
      .listPods("kube-system", "component=etcd,tier=control-plane")
      .pipe(Effect.mapError((e) => new ControlPlaneJoinError({ reason: "EtcdEndpoints", detail: e.message, cause: e })))
    const eps = endpointsFromEtcdPods(pods)
    if (eps.length === 0)
      return yield* new ControlPlaneJoinError({
        reason: "EtcdEndpoints",
        detail: "no ClusterStatus entry and no annotated etcd Pod"
      })
    return eps
  })

/** An etcd client for this cluster (endpoints synced from the member list). */
export const etcdClient = (
  cfg: ControlPlaneConfig
): Effect.Effect<EtcdClient, ControlPlaneJoinError, RootFs | KubeApi | Etcd> =>
  Effect.gen(function* () {
    const admin = yield* adminClient
    const endpoints = yield* etcdEndpoints(admin)
    const tls = yield* etcdTls(cfg)
    const etcd = yield* Etcd
    return yield* etcd
      .connect(endpoints, tls)
      .pipe(
        Effect.mapError((e) => new ControlPlaneJoinError({ reason: "EtcdUnavailable", detail: e.message, cause: e }))
      )
  })
