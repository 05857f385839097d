/** The ClusterStatus document of kubeadm-config: the API endpoints of 1.15-1.21 clusters. */
import { Effect, Either } from "effect"
import { type ClusterStatus, parseClusterStatus } from "../etcd/endpoints.js"
import { ControlPlaneJoinError } from "./errors.js"

/** kubeadm-config holds a ClusterStatus document (1.15-1.21 clusters; 1.22+ have none). */
export const hasClusterStatus = (data: Readonly<Record<string, string>>): boolean =>
  (data["ClusterStatus"] ?? "").trim() !== ""

/**
 * The ClusterStatus document of the kubeadm-config ConfigMap's data. A missing or empty key
 * and junk YAML are typed failures (kubeadm's wording), never a crash.
 */
export const readClusterStatus = (
  data: Readonly<Record<string, string>>
): Effect.Effect<ClusterStatus, ControlPlaneJoinError> =>
  Either.match(parseClusterStatus(data["ClusterStatus"]), {
    onLeft: (e) => Effect.fail(new ControlPlaneJoinError({ reason: "ClusterStatus", detail: e.message, cause: e })),
    onRight: (status) =>
      status === undefined
        ? Effect.fail(
            new ControlPlaneJoinError({ reason: "ClusterStatus", detail: "ClusterStatus key value pair missing" })
          )
        : Effect.succeed(status)
  })
