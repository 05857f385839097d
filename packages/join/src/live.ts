/**
 * The live layers of a join, composed once: what the CLI provides to the join
 * workflow. Tests provide fake layers for the same services instead.
 */
import { Layer } from "effect"
import type { JoinConfiguration, JoinOptions } from "./config/model.js"
import * as crypto from "./crypto/crypto.js"
import * as etcd from "./etcd/etcd.js"
import * as joinData from "./discovery/join-data.js"
import * as health from "./health/health.js"
import * as host from "./host/host.js"
import { joinContext } from "./join-context.js"
import { KubeApiLive } from "./kube-api/live.js"
import { KubeletLive } from "./kubelet/kubelet.js"
import { consoleOutput } from "./output.js"
import { rootFsLive } from "./rootfs/live.js"

export const joinLive = (config: JoinConfiguration, options: JoinOptions) => {
  const output = consoleOutput(options.verbosity)
  // KubeApi reads the Output when it is built (its retries are --v=2 lines).
  const base = Layer.mergeAll(joinContext(config, options), output, KubeApiLive.pipe(Layer.provide(output)), crypto.layer, etcd.layer, health.layer)
  const fs = rootFsLive(options.rootfs)
  const hostLayer = host.layer.pipe(Layer.provide(fs))
  const data = joinData.layer.pipe(Layer.provide(Layer.merge(base, fs)))
  const kubelet = KubeletLive.pipe(Layer.provide(Layer.mergeAll(base, fs, hostLayer)))
  return Layer.mergeAll(base, fs, hostLayer, data, kubelet)
}
