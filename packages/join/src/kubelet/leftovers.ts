/**
 * What a crashed or failed run must not leave behind.
 *
 * - Temp files (`.<name>.tmp-<hex>`): a run killed between creating a temp file and
 *   renaming it leaves one, possibly holding a private key. RootFs sweeps a folder when it
 *   next writes there; `sweepTempFiles` does it at the start of a run for every folder a join
 *   writes to, so a rerun that fails early (in preflight) cleans up too.
 * - bootstrap-kubelet.conf holds the bootstrap token. The phase that waits for the TLS
 *   bootstrap (kubelet-start in the 1.15 order, kubelet-wait-bootstrap in the current one)
 *   removes it either way; in the current order it outlives kubelet-start, through etcd-join,
 *   and a run failing there never reaches the wait. A run killed mid-phase leaves it too, and
 *   the rerun then fails in preflight (FileAvailable). A failed run needs it no more:
 *   `dropBootstrapKubeconfig` removes it.
 */
import { Effect } from "effect"
import { RootFs, TEMP_PATTERN } from "../rootfs/rootfs.js"
import { BOOTSTRAP_KUBELET_CONF } from "./files.js"

/** Every folder a join writes files into. */
export const JOIN_FOLDERS = [
  "/etc/kubernetes",
  "/etc/kubernetes/pki",
  "/etc/kubernetes/pki/etcd",
  "/etc/kubernetes/manifests",
  "/var/lib/kubelet",
  "/var/lib/kubelet/pki",
  "/var/lib/kubeadm-ts"
] as const

/** Removes the temp files a killed run left in the join's folders. */
export const sweepTempFiles: Effect.Effect<void, never, RootFs> = Effect.gen(function* () {
  const fs = yield* RootFs
  for (const dir of JOIN_FOLDERS) {
    const names = yield* Effect.orElseSucceed(fs.list(dir), () => [] as ReadonlyArray<string>)
    for (const name of names.filter((n) => TEMP_PATTERN.test(n))) yield* Effect.ignore(fs.remove(`${dir}/${name}`))
  }
})

/** Removes bootstrap-kubelet.conf (it holds the token). */
export const dropBootstrapKubeconfig: Effect.Effect<void, never, RootFs> = Effect.flatMap(RootFs, (fs) =>
  Effect.ignore(fs.remove(BOOTSTRAP_KUBELET_CONF))
)
