/**
 * `initCluster(options)`: the promise form of the scoped cluster (cluster.ts), for tests written
 * with plain async functions and for the launcher: the cluster with `close()`, which closes the
 * scope it was started in. Effect tests use `it.layer(cluster.layer(...))` instead.
 */
import type { EtcdConfig } from "./cluster-objects.js"
import { type ClusterOptions, type ClusterService, make, startInScope } from "./cluster.js"
import { type ClusterWithEtcd, makeWithEtcd } from "../etcd/cluster-with-etcd.js"

/** A running cluster that a test stops with `close()`. */
export interface TestCluster extends ClusterService {
  close(): Promise<void>
}

/**
 * The cluster's options; `etcd: "real"` also starts a REAL etcd (TLS, the cluster's etcd CA) as
 * the init node's stacked member, and the result carries its handle as `etcd`.
 */
export type InitClusterOptions = Omit<ClusterOptions, "etcd"> & { readonly etcd?: EtcdConfig | "real" }

/** What `kubeadm init` leaves behind. With `etcd: "real"` a real etcd runs as the first member, and `close()` stops it too. */
export function initCluster(options: InitClusterOptions & { readonly etcd: "real" }): Promise<ClusterWithEtcd>
export function initCluster(options?: ClusterOptions): Promise<TestCluster>
export function initCluster(options?: InitClusterOptions): Promise<TestCluster | ClusterWithEtcd>
export function initCluster(options: InitClusterOptions = {}): Promise<TestCluster | ClusterWithEtcd> {
  const { etcd, ...rest } = options
  return etcd === "real"
    ? startInScope(makeWithEtcd(rest))
    : startInScope(make(etcd === undefined ? rest : { ...rest, etcd }))
}
