/**
 * The `kubelet-wait-bootstrap` phase (ControlPlaneKubeletLocalMode clusters, see
 * kubeadm-behaviour): after `kubelet-start` and `etcd-join`, wait for the kubelet's
 * /healthz, then for its TLS bootstrap (kubelet.conf usable), and drop
 * bootstrap-kubelet.conf either way; before NodeLocalCRISocket, annotate the Node.
 */
import { Effect, Either } from "effect"
import { JoinData } from "../discovery/join-data.js"
import { criSocketForCluster, resolveCriSocket } from "../host/cri-socket.js"
import { Host } from "../host/host.js"
import { JoinContext } from "../join-context.js"
import { kubeadmBehaviour } from "../kubeadm-behaviour.js"
import { BOOTSTRAP_KUBELET_CONF, KUBELET_CONFIG_YAML, kubeletNodeName } from "../kubelet/files.js"
import { finishTlsBootstrap, KUBELET_HEALTH_TIMEOUT, waitForKubeletHealthy } from "../kubelet/wait.js"
import { Output } from "../output.js"
import { RootFs } from "../rootfs/rootfs.js"

export const run = Effect.gen(function* () {
  const { config, options } = yield* JoinContext
  const data = yield* JoinData
  const out = yield* Output
  const fs = yield* RootFs
  const host = yield* Host
  const behaviour = kubeadmBehaviour(yield* data.clusterConfiguration)
  const nodeName = kubeletNodeName(config)
  const criSocket = criSocketForCluster(yield* resolveCriSocket, config.nodeRegistration.criSocket, behaviour.minor)
  const health = Effect.gen(function* () {
    // The in-process bootstrap needs no kubelet; one that an init system runs is still checked.
    if (options.selfTlsBootstrap && !(yield* host.processRunning("kubelet"))) {
      yield* out.info("[kubelet-check] Skipping the kubelet health check: no kubelet runs here and --self-tls-bootstrap did the TLS Bootstrap")
      return
    }
    const kubeletYaml = yield* Effect.either(fs.readText(KUBELET_CONFIG_YAML))
    yield* waitForKubeletHealthy(Either.getOrElse(kubeletYaml, () => ""), config.timeouts?.kubeletHealthCheck ?? KUBELET_HEALTH_TIMEOUT)
  })
  // bootstrap-kubelet.conf holds the token: a failed health check drops it as well
  yield* health.pipe(Effect.onError(() => Effect.ignore(fs.remove(BOOTSTRAP_KUBELET_CONF))))
  yield* finishTlsBootstrap({ phase: "kubelet-start", nodeName, criSocket, behaviour, timeouts: config.timeouts, hint: "", announce: !options.selfTlsBootstrap })
})
