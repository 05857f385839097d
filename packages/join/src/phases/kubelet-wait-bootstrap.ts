/**
 * The `kubelet-wait-bootstrap` phase (ControlPlaneKubeletLocalMode clusters, see
 * kubeadm-behaviour): after `kubelet-start` and `etcd-join`, wait for the kubelet's
 * /healthz, then for its TLS bootstrap (kubelet.conf usable), and drop
 * bootstrap-kubelet.conf either way; before NodeLocalCRISocket, annotate the Node.
 */
import { Effect } from "effect"
import { finishTlsBootstrap, KubeletBootstrap } from "../bootstrap/kubelet-bootstrap.js"
import { JoinData } from "../discovery/join-data.js"
import { criSocketForCluster, resolveCriSocket } from "../host/cri-socket.js"
import { JoinContext } from "../join-context.js"
import { kubeadmBehaviour } from "../kubeadm-behaviour.js"
import { BOOTSTRAP_KUBELET_CONF, kubeletNodeName } from "../kubelet/files.js"
import { KUBELET_HEALTH_TIMEOUT, TLS_BOOTSTRAP_TIMEOUT } from "../kubelet/wait.js"
import { RootFs } from "../rootfs/rootfs.js"

/** The phase body: wait for the kubelet's /healthz and its TLS bootstrap, then drop bootstrap-kubelet.conf. */
export const run = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const data = yield* JoinData
  const fs = yield* RootFs
  const kubeletBootstrap = yield* KubeletBootstrap
  const behaviour = kubeadmBehaviour(yield* data.clusterConfiguration)
  const nodeName = kubeletNodeName(config)
  const criSocket = criSocketForCluster(yield* resolveCriSocket, config.nodeRegistration.criSocket, behaviour.minor)
  // bootstrap-kubelet.conf holds the token: a failed health check drops it as well
  yield* kubeletBootstrap
    .awaitHealthy(config.timeouts?.kubeletHealthCheck ?? KUBELET_HEALTH_TIMEOUT)
    .pipe(Effect.onError(() => Effect.ignore(fs.remove(BOOTSTRAP_KUBELET_CONF))))
  const timeout = config.timeouts?.tlsBootstrap ?? TLS_BOOTSTRAP_TIMEOUT
  yield* finishTlsBootstrap({ phase: "kubelet-start", timeout, nodeName, criSocket, behaviour })
})
