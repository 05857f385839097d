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

// The services and their layers.
export { RootFs, RootFsError, rootFsLive, memoryRootFs } from "./rootfs/index.js"
export { Crypto, CryptoLive, CryptoTest } from "./crypto/service.js"
export { KubeApi, KubeApiError, KubeApiLive, fakeCluster } from "./kube-api/index.js"
export { JoinData, JoinDataLive } from "./discovery/join-data.js"
export { Host, HostLive, fakeHost } from "./host/index.js"
export { Kubelet, KubeletLive } from "./kubelet/kubelet.js"
export { Etcd, EtcdLive, makeEtcdTest } from "./etcd/service.js"
export { Output, consoleOutput, collectingOutput, type OutputLine, type OutputService } from "./output.js"
export { JoinContext, joinContext } from "./join-context.js"
export { joinLive } from "./live.js"

// The join: its configuration (model, loader, validator) and its phase tree.
export type * from "./config/model.js"
export { ConfigError, type FieldError } from "./config/errors.js"
export { defaultJoinFlags, configFromFlags, type JoinFlags } from "./config/flags.js"
export { decodeJoinConfiguration } from "./config/decode.js"
export { loadJoin, type LoadEnv, type LoadedJoin } from "./config/load.js"
export { liveLoadEnv } from "./config/load-env.js"
export { validateJoinConfiguration, type ValidationEnv } from "./config/validate.js"
export { joinWorkflow, type JoinWorkflow } from "./join-workflow.js"

// What the CLI runs around the workflow (issue 12 boundaries: the CLI imports only entry points).
export { controlPlaneBanner } from "./phases/control-plane-banner.js"
export { dropBootstrapKubeconfig, sweepTempFiles } from "./kubelet/leftovers.js"
