/**
 * The services of one join, assembled once. The CLI builds them with the live
 * layers; a test gives the few it fakes and gets the rest live (or, usually,
 * fakes them all). A worker's graph holds no Etcd: only a control-plane join
 * gets one, from `controlPlaneLayer`. `--dry-run` is a choice of layers made here
 * (`dryRunLayers`): the phases run as they always do against services that print
 * what they would change. `-o text|json` is a choice of Events (and of where Output's lines
 * go) made here too; RootFs, KubeApi and JoinData are observed (events/observe.ts) over
 * whichever layers were chosen, so every file written and API object changed is an event.
 */
import { Layer } from "effect"
import type { JoinConfiguration, JoinOptions } from "./config/model.js"
import * as crypto from "./crypto/crypto.js"
import type { Crypto } from "./crypto/crypto.js"
import * as joinData from "./discovery/join-data.js"
import type { JoinData } from "./discovery/join-data.js"
import * as etcd from "./etcd/etcd.js"
import * as events from "./events/events.js"
import type { Events } from "./events/events.js"
import { observedJoinData, observedKubeApi, observedRootFs } from "./events/observe.js"
import type { Etcd } from "./etcd/etcd.js"
import * as health from "./health/health.js"
import type { Health } from "./health/health.js"
import * as host from "./host/host.js"
import type { Host } from "./host/host.js"
import * as joinContext from "./join-context.js"
import type { JoinContext } from "./join-context.js"
import type { KubeApi } from "./kube-api/kube-api.js"
import * as kubeApi from "./kube-api/kube-api.js"
import * as kubelet from "./kubelet/kubelet.js"
import type { Kubelet } from "./kubelet/kubelet.js"
import * as kubeletBootstrap from "./bootstrap/kubelet-bootstrap.js"
import type { KubeletBootstrap } from "./bootstrap/kubelet-bootstrap.js"
import * as output from "./output.js"
import type { Output } from "./output.js"
import * as rootfs from "./rootfs/rootfs.js"
import { recordingLayer } from "./resume/record.js"
import type { RootFs, RootFsError } from "./rootfs/rootfs.js"

/** Everything a worker join's phases need. */
export type WorkerServices =
  JoinContext | Events | Output | RootFs | Crypto | Health | KubeApi | Host | JoinData | Kubelet | KubeletBootstrap
/** Everything a control-plane join's phases need. */
export type ControlPlaneServices = WorkerServices | Etcd

/** What a join's graph is made of; each layer may use the ones listed before it. */
export interface JoinLayers {
  /** Where events go: NDJSON on stdout with `-o json`, and the progress of waits on stderr. */
  readonly events: Layer.Layer<Events>
  readonly output: Layer.Layer<Output, never, Events>
  readonly rootFs: Layer.Layer<RootFs, RootFsError, Output>
  readonly crypto: Layer.Layer<Crypto>
  readonly health: Layer.Layer<Health>
  readonly kubeApi: Layer.Layer<KubeApi, never, Output>
  readonly host: Layer.Layer<Host, never, RootFs>
  readonly joinData: Layer.Layer<JoinData, never, JoinContext | Output | RootFs | Crypto | KubeApi>
  readonly kubelet: Layer.Layer<Kubelet, never, Output | Host>
  /** Who performs the kubelet's TLS bootstrap: the kubelet itself, or this process (`--self-tls-bootstrap`). */
  readonly kubeletBootstrap: Layer.Layer<KubeletBootstrap, never, Output | RootFs | Crypto | Health | KubeApi | Host>
  readonly etcd: Layer.Layer<Etcd, never, Output>
}

/** What a join is assembled from: the validated configuration and the options outside it (rootfs, verbosity, skip list). */
export interface JoinInput {
  readonly config: JoinConfiguration
  readonly options: JoinOptions
  /**
   * A control-plane join that will generate its certificates (a full join, not one phase):
   * its RSA-2048 keys (kubeadm's default algorithm) start generating when the layer is built,
   * overlapping discovery and the downloads (`crypto.layerPrefetching`).
   */
  readonly prefetchKeys?: boolean
}

/** Keys a control-plane join generates: 7 certificates and 3 kubeconfig files. */
const CONTROL_PLANE_KEYS = 10

/** The live layers, as the user's options choose them. */
export const liveLayers = ({ config, options }: JoinInput): JoinLayers => ({
  events: events.layer(options.output ?? "text"),
  output: output.layerFor(options.verbosity, options.output ?? "text"),
  // what a re-run of this join resumes starts with its first change (resume/record.ts)
  rootFs: recordingLayer(config, rootfs.layer(options.rootfs)),
  crypto: crypto.layer,
  health: health.layer,
  kubeApi: kubeApi.layer,
  host: host.layer,
  joinData: joinData.layer,
  kubelet: kubelet.layer,
  kubeletBootstrap: options.selfTlsBootstrap ? kubeletBootstrap.layerInProcess : kubeletBootstrap.layerExternal,
  etcd: etcd.layer
})

/**
 * `--dry-run`'s layers (kubeadm's dry-run client, waiter and temporary folder, as layers): files
 * are read for real and their changes printed, never written; API writes go with `dryRun=All`;
 * the etcd membership is read, never changed; the kubelet is neither stopped nor started and
 * the waits for it, for its TLS bootstrap and for the control plane succeed at once.
 */
export const dryRunLayers = ({ options }: JoinInput) =>
  ({
    rootFs: rootfs.layerDryRun(options.rootfs),
    health: health.layerDryRun,
    kubeApi: kubeApi.layerDryRun,
    kubelet: kubelet.layerDryRun,
    kubeletBootstrap: kubeletBootstrap.layerDryRun,
    etcd: etcd.layerDryRun
  }) satisfies Partial<JoinLayers>

/** The layers the user's options choose: live, or with `--dry-run` its layers in their place. */
export const chosenLayers = (input: JoinInput): JoinLayers => ({
  ...liveLayers(input),
  ...(input.options.dryRun === true ? dryRunLayers(input) : {})
})

/** A worker join's services: the chosen layers, except those `overrides` replaces. */
export const joinLayer = (
  input: JoinInput,
  overrides: Partial<JoinLayers> = {}
): Layer.Layer<WorkerServices, RootFsError> => {
  const layers = { ...chosenLayers(input), ...overrides }
  const base = Layer.mergeAll(
    joinContext.layer(input.config, input.options),
    observedRootFs(layers.rootFs),
    layers.crypto,
    layers.health
  ).pipe(Layer.provideMerge(layers.output), Layer.provideMerge(layers.events))
  return observedKubeApi(layers.kubeApi).pipe(
    Layer.provideMerge(base),
    (withApi) => layers.host.pipe(Layer.provideMerge(withApi)),
    (withHost) => observedJoinData(layers.joinData).pipe(Layer.provideMerge(withHost)),
    (withData) => Layer.merge(layers.kubelet, layers.kubeletBootstrap).pipe(Layer.provideMerge(withData))
  )
}

/** A control-plane join's services: a worker's plus Etcd. */
export const controlPlaneLayer = (
  input: JoinInput,
  overrides: Partial<JoinLayers> = {}
): Layer.Layer<ControlPlaneServices, RootFsError> =>
  (overrides.etcd ?? chosenLayers(input).etcd).pipe(
    Layer.provideMerge(
      joinLayer(input, {
        ...(input.prefetchKeys === true ? { crypto: crypto.layerPrefetching("rsa-2048", CONTROL_PLANE_KEYS) } : {}),
        ...overrides
      })
    )
  )
