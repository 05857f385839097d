/**
 * The live layers of a join, composed once: what the CLI provides to the join
 * workflow. Tests provide fake layers for the same services instead.
 */
import { Layer } from "effect"
import * as kubeletBootstrap from "./bootstrap/kubelet-bootstrap.js"
import type { JoinConfiguration, JoinOptions } from "./config/model.js"
import { CryptoLive } from "./crypto/service.js"
import { EtcdLive } from "./etcd/service.js"
import { JoinDataLive } from "./discovery/join-data.js"
import { layer as HealthLive } from "./health/live.js"
import { HostLive } from "./host/live.js"
import { joinContext } from "./join-context.js"
import * as kubeApi from "./kube-api/kube-api.js"
import * as kubelet from "./kubelet/kubelet.js"
import { consoleOutput } from "./output.js"
import { rootFsLive } from "./rootfs/live.js"

export const joinLive = (config: JoinConfiguration, options: JoinOptions) => {
  const output = consoleOutput(options.verbosity)
  // KubeApi reads the Output when it is built (its retries are --v=2 lines).
  const base = Layer.mergeAll(joinContext(config, options), output, kubeApi.layer.pipe(Layer.provide(output)), CryptoLive, EtcdLive, HealthLive)
  const fs = rootFsLive(options.rootfs)
  const host = HostLive.pipe(Layer.provide(fs))
  const data = JoinDataLive.pipe(Layer.provide(Layer.merge(base, fs)))
  const bootstrap = options.selfTlsBootstrap ? kubeletBootstrap.layerInProcess : kubeletBootstrap.layerExternal
  const kubelets = Layer.merge(kubelet.layer, bootstrap).pipe(Layer.provide(Layer.mergeAll(base, fs, host)))
  return Layer.mergeAll(base, fs, host, data, kubelets)
}
