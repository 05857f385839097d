/** The `control-plane-join/update-status` phase: register the new control-plane node in ClusterStatus in the kubeadm-config ConfigMap. */
import { Effect, Schedule } from "effect"
import { clusterStatusYaml } from "../etcd/endpoints.js"
import type { ConfigMap, KubeClient } from "../kube-api/kube-api.js"
import type { ControlPlaneConfig } from "../manifests/control-plane-config.js"
import { behaviourForVersion } from "../kubeadm-behaviour.js"
import { Output } from "../output.js"
import { adminClient } from "../control-plane/admin.js"
import { readClusterStatus } from "../control-plane/cluster-status.js"
import { controlPlaneConfig } from "../control-plane/config.js"
import { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { JoinContext } from "../join-context.js"
import type { JoinData } from "../discovery/join-data.js"
import type { Host } from "../host/host.js"
import type { RootFs } from "../rootfs/rootfs.js"
import type { KubeApi } from "../kube-api/kube-api.js"

/**
 * Read-modify-write of kubeadm-config with the fetched resourceVersion,
 * retried on 409 Conflict (20 x ~500 ms jittered, as kubeadm), so concurrent
 * joins never drop each other's entry.
 */
export const addApiEndpoint = (admin: KubeClient, cfg: ControlPlaneConfig, alreadyRead?: ConfigMap) => {
  // the first attempt may use the copy the caller already fetched; retries re-read
  const attempt = Effect.gen(function* () {
    const cm = alreadyRead ?? (yield* admin.getConfigMap("kube-system", "kubeadm-config"))
    alreadyRead = undefined
    const status = yield* readClusterStatus(cm.data)
    const apiEndpoints = {
      ...status.apiEndpoints,
      [cfg.nodeName]: { advertiseAddress: cfg.advertiseAddress, bindPort: cfg.bindPort }
    }
    yield* admin.updateConfigMap({
      ...cm,
      data: { ...cm.data, ClusterStatus: clusterStatusYaml({ ...status, apiEndpoints }) }
    })
  })
  return attempt.pipe(
    Effect.retry({
      schedule: Schedule.spaced("500 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(19))),
      while: (e) => e.reason === "Conflict"
    }),
    Effect.catchTags({
      KubeApiError: (e) =>
        new ControlPlaneJoinError({
          reason: "UploadConfig",
          detail:
            e.reason === "Conflict"
              ? "the kubeadm-config ConfigMap kept changing (409 Conflict) after 20 attempts"
              : e.message,
          cause: e
        }),
      ControlPlaneJoinError: (e) => new ControlPlaneJoinError({ reason: "UploadConfig", detail: e.message, cause: e })
    })
  )
}

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError,
  JoinContext | JoinData | Output | Host | RootFs | KubeApi
> = Effect.gen(function* () {
  const out = yield* Output
  const cfg = yield* controlPlaneConfig
  const behaviour = behaviourForVersion(cfg.kubernetesVersion)
  const admin = yield* adminClient
  const cm = yield* admin
    .getConfigMap("kube-system", "kubeadm-config")
    .pipe(Effect.mapError((e) => new ControlPlaneJoinError({ reason: "UploadConfig", detail: e.message, cause: e })))
  if (cm.data["ClusterStatus"] === undefined) {
    // 1.22+ clusters have no ClusterStatus: the phase is a no-op there
    yield* out.info(
      "The 'update-status' phase is deprecated and will be removed in a future release. Currently it performs no operation"
    )
    return
  }
  yield* out.info(
    `[upload-config] ${behaviour.lowerCaseUploadConfig ? "storing" : "Storing"} the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace`
  )
  yield* addApiEndpoint(admin, cfg, cm)
  yield* ensureNodesKubeadmConfigRbac(admin)
})

/** The Role/RoleBinding that let joining nodes read kubeadm-config (kubeadm re-asserts them here). */
export const ensureNodesKubeadmConfigRbac = (admin: KubeClient) =>
  Effect.gen(function* () {
    const name = "kubeadm:nodes-kubeadm-config"
    yield* admin.ensureRole({
      metadata: { name, namespace: "kube-system" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["kubeadm-config"], verbs: ["get"] }]
    })
    yield* admin.ensureRoleBinding({
      metadata: { name, namespace: "kube-system" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [
        {
          kind: "Group",
          apiGroup: "rbac.authorization.k8s.io",
          name: "system:bootstrappers:kubeadm:default-node-token"
        },
        { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:nodes" }
      ]
    })
  }).pipe(Effect.mapError((e) => new ControlPlaneJoinError({ reason: "UploadConfig", detail: e.message, cause: e })))
