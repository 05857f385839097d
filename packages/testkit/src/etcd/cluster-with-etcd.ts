/**
 * `initClusterWithEtcd(options)`: `initCluster` plus a REAL etcd as the first
 * stacked member, on the same loopback address as the API server (so the init
 * node's ClusterStatus entry names the etcd client URL `https://<address>:2379`
 * exactly as on a kubeadm cluster), using the cluster's own etcd CA. The etcd
 * Pod of the init node is recorded with kubeadm's
 * `kubeadm.kubernetes.io/etcd.advertise-client-urls` annotation (newer clusters
 * find endpoints there).
 */
import { ETCD_ADVERTISE_ANNOTATION } from "@kubeadm-ts/join/manifests/static-pods"
import { freeLoopbackAddress, startEtcd, type RealEtcd } from "./real-etcd.js"
import { initClusterBase, type InitClusterOptions, type TestCluster } from "../cluster/init-cluster.js"

export interface ClusterWithEtcd extends TestCluster {
  readonly etcd: RealEtcd
}

/** Also reachable as `initCluster({ etcd: "real", ... })`. */
export const initClusterWithEtcd = async (options: InitClusterOptions = {}): Promise<ClusterWithEtcd> => {
  const { etcd: etcdOption, ...rest } = options
  const address = rest.address ?? (await freeLoopbackAddress([2379, 2380, 2381]))
  const initNodeName = rest.initNodeName ?? "control-plane-1"
  const config = etcdOption === undefined || etcdOption === "real" ? {} : { etcd: etcdOption }
  const cluster = await initClusterBase({ controlPlaneEndpoint: true, ...rest, ...config, address, initNodeName })
  let etcd: RealEtcd
  try {
    etcd = await startEtcd({ ca: { certPem: cluster.pki.etcdCa.certPem, keyPem: cluster.pki.etcdCa.keyPem }, name: initNodeName, address })
  } catch (e) {
    await cluster.close()
    throw e
  }
  cluster.store.create("pods", {
    metadata: {
      name: `etcd-${initNodeName}`,
      namespace: "kube-system",
      labels: { component: "etcd", tier: "control-plane" },
      annotations: { [ETCD_ADVERTISE_ANNOTATION]: etcd.clientURL }
    },
    spec: { nodeName: initNodeName, hostNetwork: true, containers: [{ name: "etcd", image: "k8s.gcr.io/etcd:3.3.10" }] }
  })
  const closeCluster = cluster.close
  return Object.assign(cluster, {
    etcd,
    close: async () => {
      await closeCluster()
      await etcd.stop()
    }
  })
}
