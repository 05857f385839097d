/**
 * @kubeadm-ts/join as a library, for Node tools that reuse its layers.
 *
 * - Each concept as a namespace named after its folder, holding what that folder
 *   exports: its service's Tag, `layer`, `layerTest` (and `fake` where one helps),
 *   its error family and its functions: `discovery.tokenDiscovery`,
 *   `bootstrap.tlsBootstrap`, `pki.ensureControlPlaneCerts`, `crypto.caCertHash`,
 *   `rootfs.layer(root)`, `kubeApi.layer`, ... (namespaces, because the folders reuse
 *   names such as `layer`, `Pod`, `CaSpec`).
 * - The service Tags again, flat, for `yield* RootFs`.
 * - The join itself: load and validate the configuration, assemble its services with
 *   `joinLayer` (a worker) or `controlPlaneLayer`, and run `workerWorkflow` or
 *   `joinWorkflow` with @kubeadm-ts/workflow's `run`.
 *
 * Importing this loads neither @kubernetes/client-node nor gRPC: the live KubeApi
 * and the CRI client import them on first use.
 */

// One namespace per concept.
export * as bootstrap from "./bootstrap/index.js"
export * as certsSecret from "./certs-secret/index.js"
export * as config from "./config/index.js"
export * as crypto from "./crypto/index.js"
export * as discovery from "./discovery/index.js"
export * as etcd from "./etcd/index.js"
export * as events from "./events/index.js"
export * as health from "./health/index.js"
export * as host from "./host/index.js"
export * as joinContext from "./join-context.js"
export * as joinString from "./join-string/index.js"
export * as kubeApi from "./kube-api/index.js"
export * as kubeconfig from "./kubeconfig/index.js"
export * as kubelet from "./kubelet/index.js"
export * as manifests from "./manifests/index.js"
export * as output from "./output.js"
export * as pki from "./pki/index.js"
export * as rootfs from "./rootfs/index.js"

// The service Tags.
export { KubeletBootstrap } from "./bootstrap/kubelet-bootstrap.js"
export { Crypto } from "./crypto/crypto.js"
export { JoinData } from "./discovery/join-data.js"
export { Etcd } from "./etcd/etcd.js"
export { Events } from "./events/events.js"
export { Health } from "./health/health.js"
export { Host } from "./host/host.js"
export { JoinContext } from "./join-context.js"
export { KubeApi } from "./kube-api/kube-api.js"
export { Kubelet } from "./kubelet/kubelet.js"
export { Output, type OutputLine, type OutputService } from "./output.js"
export { RootFs } from "./rootfs/rootfs.js"

// The join: its configuration, its services, its phase tree, and what runs around it.
export type * from "./config/model.js"
export { ConfigError, type FieldError } from "./config/errors.js"
export { configFromFlags, defaultJoinFlags, type JoinFlags } from "./config/flags.js"
export { decodeJoinConfiguration } from "./config/decode.js"
export { liveLoadEnv, loadJoin, type LoadEnv, type LoadedJoin } from "./config/load.js"
export { validateJoinConfiguration, type ValidationEnv } from "./config/validate.js"
export {
  controlPlaneLayer,
  type ControlPlaneServices,
  type JoinInput,
  joinLayer,
  type JoinLayers,
  liveLayers,
  type WorkerServices
} from "./join-layer.js"
export { joinWorkflow, type JoinWorkflow, withTimeouts, workerWorkflow, type WorkerWorkflow } from "./join-workflow.js"
export { controlPlaneBanner } from "./control-plane/banner.js"
// The error families of the phases, which joinWorkflow's error type names.
export { ControlPlaneJoinError, type ControlPlaneJoinErrorReason } from "./control-plane/errors.js"
export { ControlPlaneHealthError } from "./phases/wait-control-plane.js"
export {
  knownTargets,
  type LoadedPatches,
  PatchesError,
  type PatchesErrorReason,
  type PatchSet,
  type PatchTargetName,
  type PatchType
} from "./patches/patches.js"
export type { Json } from "./patches/apply.js"
export { preflightCheckNames } from "./preflight-check-names.js"
export { dropBootstrapKubeconfig, sweepTempFiles } from "./kubelet/leftovers.js"
/** The record of a join in progress (what a re-run resumes); a finished full join removes it. */
export { finishJoinRecord, RESUME_RECORD } from "./resume/record.js"
/** Test-only crash points (armed by two environment variables; see crash-points.ts). */
export { CRASH_CONFIRM_PHRASE, withPhaseCrashPoints } from "./crash-points.js"
