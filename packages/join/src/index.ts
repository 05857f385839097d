/**
 * @kubeadm-ts/join as a library, for Node tools that reuse its layers.
 *
 * - Each concept as a namespace named after its folder, holding everything that
 *   folder exports: `discovery.tokenDiscovery`, `bootstrap.tlsBootstrap`,
 *   `pki.ensureControlPlaneCerts`, `crypto.caCertHash`, ...
 *   (namespaces, because the folders reuse names: `Pod`, `CaSpec`, `kubeletKubeconfig`).
 * - The services (Effect `Context.Tag`s) with their layers, flat; `joinLive`
 *   composes every live layer for one join.
 * - The join itself: load and validate the configuration, then run `joinWorkflow`
 *   with @kubeadm-ts/workflow's `run`.
 *
 * Importing this loads neither @kubernetes/client-node nor gRPC: the live
 * KubeApi and the CRI client import them on first use.
 */

// One namespace per concept.
export * as bootstrap from "./bootstrap/index.js"
export * as certsSecret from "./certs-secret/index.js"
export * as crypto from "./crypto/index.js"
export * as discovery from "./discovery/index.js"
export * as etcd from "./etcd/index.js"
export * as host from "./host/index.js"
export * as kubeApi from "./kube-api/index.js"
export * as kubeconfig from "./kubeconfig/index.js"
export * as kubelet from "./kubelet/index.js"
export * as manifests from "./manifests/index.js"
export * as pki from "./pki/index.js"
export * as rootfs from "./rootfs/index.js"
export * as output from "./output.js"

// The services and their layers.
export { RootFs, RootFsError } from "./rootfs/index.js"
export { Crypto } from "./crypto/crypto.js"
export { KubeApi, KubeApiError } from "./kube-api/index.js"
export { JoinData } from "./discovery/join-data.js"
export { Host } from "./host/index.js"
export { Kubelet } from "./kubelet/kubelet.js"
export { KubeletBootstrap } from "./bootstrap/kubelet-bootstrap.js"
export { Etcd } from "./etcd/etcd.js"
export { Output, type OutputLine, type OutputService } from "./output.js"
export { JoinContext } from "./join-context.js"
export * as joinContext from "./join-context.js"
export { joinLayer, controlPlaneLayer, liveLayers, type JoinLayers, type JoinInput, type WorkerServices, type ControlPlaneServices } from "./join-layer.js"

// The join: its configuration (model, loader, validator) and its phase tree.
export type * from "./config/model.js"
export { ConfigError, type FieldError } from "./config/errors.js"
export { defaultJoinFlags, configFromFlags, type JoinFlags } from "./config/flags.js"
export { decodeJoinConfiguration } from "./config/decode.js"
export { liveLoadEnv, loadJoin, type LoadEnv, type LoadedJoin } from "./config/load.js"
export { validateJoinConfiguration, type ValidationEnv } from "./config/validate.js"
export { joinWorkflow, type JoinWorkflow } from "./join-workflow.js"
