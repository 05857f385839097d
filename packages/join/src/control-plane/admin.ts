/** The `kubernetes-admin` identity of admin.conf, which the control-plane phases act with. */
import { Effect } from "effect"
import { KubeApi, type KubeClient } from "../kube-api/kube-api.js"
import { loadKubeconfig } from "../kubeconfig/load.js"
import { RootFs } from "../rootfs/rootfs.js"
import { ControlPlaneJoinError } from "./errors.js"

/** The admin kubeconfig a control-plane join writes and then uses for its own API calls. */
export const ADMIN_CONF = "/etc/kubernetes/admin.conf"

/** The `kubernetes-admin` client of admin.conf (written by control-plane-prepare/kubeconfig). */
export const adminClient: Effect.Effect<KubeClient, ControlPlaneJoinError, RootFs | KubeApi> = Effect.gen(function* () {
  const kubeconfig = yield* loadKubeconfig(ADMIN_CONF).pipe(
    Effect.mapError((e) => new ControlPlaneJoinError({ reason: "AdminConfig", detail: e.message, cause: e }))
  )
  const api = yield* KubeApi
  return yield* api
    .client(kubeconfig)
    .pipe(Effect.mapError((e) => new ControlPlaneJoinError({ reason: "AdminClient", detail: e.message, cause: e })))
})
