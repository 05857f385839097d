/**
 * The cluster plus a REAL etcd as the first stacked member, on the same loopback address as the
 * API server (so the init node's ClusterStatus entry names the etcd client URL
 * `https://<address>:2379` exactly as on a kubeadm cluster), using the cluster's own etcd CA. The
 * etcd Pod of the init node is recorded with kubeadm's
 * `kubeadm.kubernetes.io/etcd.advertise-client-urls` annotation (newer clusters find endpoints
 * there). Both stop with the scope that started them.
 */
import { Context, Effect, Layer, type Scope } from "effect"
import { ETCD_ADVERTISE_ANNOTATION } from "@kubeadm-ts/join/manifests"
import { freeLoopbackAddress, startEtcd, type RealEtcd } from "./real-etcd.js"
import {
  Cluster,
  type ClusterOptions,
  type ClusterService,
  type ClusterStartError,
  make,
  startInScope,
  startStep
} from "../cluster/cluster.js"

/** The cluster service with the handle of its stacked etcd member. */
export interface ClusterWithEtcdService extends ClusterService {
  readonly etcd: RealEtcd
}

/** The promise form's result (`initClusterWithEtcd`, `initCluster({ etcd: "real" })`). */
export interface ClusterWithEtcd extends ClusterWithEtcdService {
  close(): Promise<void>
}

/** The init node's stacked etcd member of the `Cluster` it was started with. */
export class StackedEtcd extends Context.Tag("@kubeadm-ts/testkit/StackedEtcd")<StackedEtcd, RealEtcd>() {}

/** Starts the cluster and its etcd in the current scope (the address defaults to a free loopback address). */
export const makeWithEtcd = (
  options: ClusterOptions = {}
): Effect.Effect<ClusterWithEtcdService, ClusterStartError, Scope.Scope> =>
  Effect.gen(function* () {
    const address =
      options.address ?? (yield* startStep("a free loopback address", () => freeLoopbackAddress([2379, 2380, 2381])))
    const initNodeName = options.initNodeName ?? "control-plane-1"
    const cluster = yield* make({ controlPlaneEndpoint: true, ...options, address, initNodeName })
    const etcd = yield* Effect.acquireRelease(
      startStep("etcd", () =>
        startEtcd({
          ca: { certPem: cluster.pki.etcdCa.certPem, keyPem: cluster.pki.etcdCa.keyPem },
          name: initNodeName,
          address
        })
      ),
      (e) => Effect.promise(() => e.stop())
    )
    cluster.store.create("pods", {
      metadata: {
        name: `etcd-${initNodeName}`,
        namespace: "kube-system",
        labels: { component: "etcd", tier: "control-plane" },
        annotations: { [ETCD_ADVERTISE_ANNOTATION]: etcd.clientURL }
      },
      spec: {
        nodeName: initNodeName,
        hostNetwork: true,
        containers: [{ name: "etcd", image: "k8s.gcr.io/etcd:3.3.10" }]
      }
    })
    return { ...cluster, etcd }
  })

/** The cluster and its etcd as one layer: `Cluster` and `StackedEtcd`. */
export const layerWithEtcd = (options: ClusterOptions = {}): Layer.Layer<Cluster | StackedEtcd, ClusterStartError> =>
  Layer.scopedContext(
    Effect.map(makeWithEtcd(options), (c) => Context.make(Cluster, c).pipe(Context.add(StackedEtcd, c.etcd)))
  )

/** The promise form, also reachable as `initCluster({ etcd: "real", ... })`: `close()` stops etcd and the cluster. */
export const initClusterWithEtcd = (options: ClusterOptions = {}): Promise<ClusterWithEtcd> =>
  startInScope(makeWithEtcd(options))
