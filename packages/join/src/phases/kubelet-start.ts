/**
 * The `kubelet-start` phase (spec §6): refuse a Ready Node of this name (unless
 * this machine holds that Node's valid kubelet credentials: then the join resumes),
 * write bootstrap-kubelet.conf, the CA, config.yaml and kubeadm-flags.env, let the
 * KubeletBootstrap service do its part (the in-process bootstrap with
 * --self-tls-bootstrap, nothing for an external kubelet), and (re)start the kubelet.
 *
 * In the 1.15 order (clusters without ControlPlaneKubeletLocalMode) it then waits for
 * the TLS bootstrap itself and drops bootstrap-kubelet.conf (also on failure); in the
 * current order that wait is the `kubelet-wait-bootstrap` phase, after `etcd-join`.
 */
import { Effect } from "effect"
import { finishTlsBootstrap, KubeletBootstrap } from "../bootstrap/kubelet-bootstrap.js"
import { nodeTaints } from "../config/defaults.js"
import { JoinData } from "../discovery/join-data.js"
import { criSocketForCluster, resolveCriSocket } from "../host/cri-socket.js"
import { Host } from "../host/host.js"
import { JoinContext } from "../join-context.js"
import type { Kubeconfig } from "../kubeconfig/kubeconfig.js"
import type { KubeClient } from "../kube-api/kube-api.js"
import {
  BOOTSTRAP_KUBELET_CONF,
  KUBEADM_FLAGS_ENV,
  KUBELET_CONFIG_YAML,
  KUBELET_INSTANCE_CONFIG_YAML,
  kubeletConfigFromConfigMap,
  kubeletFlags,
  kubeletNodeName,
  patchKubeletConfig,
  withInstanceConfig,
  writeBootstrapKubeconfig,
  writeCaCertIfMissing,
  writeFlagsEnv,
  writeInstanceConfig,
  writeKubeletConfig
} from "../kubelet/files.js"
import { kubeadmBehaviour, type KubeadmBehaviour } from "../kubeadm-behaviour.js"
import { KubeletError } from "../kubelet/errors.js"
import { Kubelet } from "../kubelet/kubelet.js"
import { refuseReadyNode } from "../kubelet/node-check.js"
import { TLS_BOOTSTRAP_TIMEOUT } from "../kubelet/wait.js"
import { Output } from "../output.js"
import { advertiseAddress } from "../control-plane/config.js"
import { urlHost } from "../manifests/control-plane-config.js"
import { RootFs } from "../rootfs/rootfs.js"

/** The kubelet's ConfigMap under the name the cluster's version gives it first, the other name as a fallback. */
const kubeletConfigMap = (client: KubeClient, behaviour: KubeadmBehaviour) =>
  Effect.gen(function* () {
    const out = yield* Output
    const [first, second] = behaviour.kubeletConfigMaps
    if (!behaviour.currentWording)
      yield* out.info(
        `[kubelet-start] Downloading configuration for the kubelet from the "${first}" ConfigMap in the kube-system namespace`
      )
    const cm = yield* client.getConfigMap("kube-system", first).pipe(
      Effect.catchIf(
        (e) => e.reason === "NotFound",
        () => client.getConfigMap("kube-system", second)
      ),
      Effect.mapError((e) => new KubeletError({ reason: "ConfigDownloadFailed", detail: e.message, cause: e }))
    )
    return yield* kubeletConfigFromConfigMap(cm)
  })

/** The bootstrap kubeconfig with its cluster renamed to the cluster's name (as kubeadm does). */
const renamed = (k: Kubeconfig, clusterName: string): Kubeconfig => ({
  ...k,
  clusters: k.clusters.map((c, i) => (i === 0 ? { ...c, name: clusterName } : c)),
  contexts: k.contexts.map((c) =>
    c.value.cluster === k.clusters[0]?.name ? { ...c, value: { ...c.value, cluster: clusterName } } : c
  )
})

/** The kubeconfig with every cluster's server replaced. */
const withServer = (k: Kubeconfig, server: string): Kubeconfig => ({
  ...k,
  clusters: k.clusters.map((c) => ({ ...c, value: { ...c.value, server } }))
})

/** The phase body: refuse a Ready Node of this name, write the kubelet's files, bootstrap and (re)start the kubelet. */
export const run = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const data = yield* JoinData
  const out = yield* Output
  const host = yield* Host
  const fs = yield* RootFs
  const kubelet = yield* Kubelet
  const kubeletBootstrap = yield* KubeletBootstrap

  const cluster = yield* data.cluster
  const clusterConfig = yield* data.clusterConfiguration
  const behaviour = kubeadmBehaviour(clusterConfig)
  const bootstrap = renamed(yield* data.tlsBootstrapKubeconfig, clusterConfig.clusterName)
  const client = yield* data.bootstrapClient
  const nodeName = kubeletNodeName(config)
  const existing = yield* refuseReadyNode(client, nodeName, { phase: "kubelet-start" })
  const criSocket = criSocketForCluster(yield* resolveCriSocket, config.nodeRegistration.criSocket, behaviour.minor)
  const kubeletYaml = yield* patchKubeletConfig(yield* kubeletConfigMap(client, behaviour))
  const flags = kubeletFlags({
    criSocket: behaviour.nodeLocalCriSocket ? undefined : criSocket,
    nodeName: config.nodeRegistration.name,
    hostname: (yield* host.hostname).trim().toLowerCase(),
    registerTaints: config.controlPlane === undefined ? nodeTaints(config, behaviour.controlPlaneTaint) : [],
    kubeletExtraArgs: config.nodeRegistration.kubeletExtraArgs,
    kubernetesMinor: behaviour.minor,
    systemdResolvedRunning: yield* host.processRunning("systemd-resolved")
  })

  // ControlPlaneKubeletLocalMode: a control-plane node's kubelet bootstraps against its own
  // kube-apiserver (it comes up once etcd-join has added the local member), as kubeadm writes it
  const controlPlane = config.controlPlane
  const kubeletBootstrapConf =
    controlPlane !== undefined && behaviour.controlPlaneKubeletLocalMode
      ? withServer(
          bootstrap,
          `https://${urlHost(yield* advertiseAddress)}:${String(controlPlane.localAPIEndpoint.bindPort)}`
        )
      : bootstrap

  const body = Effect.gen(function* () {
    yield* writeBootstrapKubeconfig(kubeletBootstrapConf)
    yield* writeCaCertIfMissing(config.caCertPath, cluster.caPem)
    yield* kubelet.stop
    if (behaviour.nodeLocalCriSocket) {
      yield* out.info(`[kubelet-start] Writing kubelet configuration to file "${KUBELET_INSTANCE_CONFIG_YAML}"`)
      yield* writeInstanceConfig(criSocket)
    }
    // (kubeadm applies instance-config.yaml to config.yaml as a patch, and says so)
    if (behaviour.nodeLocalCriSocket && behaviour.currentWording)
      yield* out.info(
        '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "kubeletconfiguration"'
      )
    yield* out.info(`[kubelet-start] Writing kubelet configuration to file "${KUBELET_CONFIG_YAML}"`)
    yield* writeKubeletConfig(behaviour.nodeLocalCriSocket ? withInstanceConfig(kubeletYaml, criSocket) : kubeletYaml)
    yield* out.info(`[kubelet-start] Writing kubelet environment file with flags to file "${KUBEADM_FLAGS_ENV}"`)
    yield* writeFlagsEnv(flags)
    yield* kubeletBootstrap.beforeKubeletStart({
      bootstrap,
      nodeName,
      caPem: cluster.caPem,
      csrApiVersion: behaviour.csrApiVersion,
      existing,
      ...(config.timeouts?.tlsBootstrap !== undefined ? { timeout: config.timeouts.tlsBootstrap } : {})
    })
    return yield* kubelet.start(behaviour.currentWording ? "current" : "v1.15")
  })
  if (behaviour.controlPlaneKubeletLocalMode) {
    // kubelet-wait-bootstrap waits and then drops bootstrap-kubelet.conf; a failed run drops it too (leftovers.ts)
    yield* body.pipe(Effect.onError(() => Effect.ignore(fs.remove(BOOTSTRAP_KUBELET_CONF))))
    return
  }
  const started = yield* body.pipe(Effect.onError(() => Effect.ignore(fs.remove(BOOTSTRAP_KUBELET_CONF))))
  const timeout = config.timeouts?.tlsBootstrap ?? TLS_BOOTSTRAP_TIMEOUT
  yield* finishTlsBootstrap({ phase: "kubelet-start", timeout, started, existing, nodeName, criSocket, behaviour })
})
