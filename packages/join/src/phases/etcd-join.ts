/**
 * Adding this node's local etcd member (learner then promoted where the cluster's kubeadm
 * does so) and writing its manifest: the top-level `etcd-join` phase on clusters with
 * ControlPlaneKubeletLocalMode, `control-plane-join/etcd` before (see kubeadm-behaviour).
 */
import { Clock, Duration, Effect, Either } from "effect"
import { hexId } from "../etcd/etcd.js"
import { ensureMember, rollbackMember, waitForMember } from "../etcd/join-member.js"
import { awaiting, observed } from "../events/events.js"
import { etcdPod } from "../etcd/pod.js"
import { defaultTimeouts } from "../config/defaults.js"
import { JoinData } from "../discovery/join-data.js"
import { JoinContext } from "../join-context.js"
import { kubeadmBehaviour } from "../kubeadm-behaviour.js"
import { urlHost } from "../manifests/control-plane-config.js"
import { MANIFESTS_DIR } from "../manifests/static-pods.js"
import { Output } from "../output.js"
import { RootFs } from "../rootfs/rootfs.js"
import { controlPlaneConfig } from "../control-plane/config.js"
import { etcdClient } from "../control-plane/etcd-client.js"
import { ControlPlaneJoinError } from "../control-plane/errors.js"
import { hostFacts, writeManifest } from "../control-plane/manifests.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { RootFsError } from "../rootfs/rootfs.js"
import type { Host } from "../host/host.js"
import type { KubeApi } from "../kube-api/kube-api.js"
import type { Etcd } from "../etcd/etcd.js"

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError | RootFsError,
  JoinContext | JoinData | Output | Host | RootFs | KubeApi | Etcd
> = Effect.gen(function* () {
  const started = yield* Clock.currentTimeMillis
  const out = yield* Output
  const { config } = yield* JoinContext
  const cfg = yield* controlPlaneConfig
  if (!cfg.etcd.local) {
    yield* out.info("[control-plane-join] using external etcd - no local stacked instance added")
    return
  }
  const wrap = (e: { readonly message: string }) =>
    new ControlPlaneJoinError({ reason: "EtcdJoin", detail: e.message, cause: e })
  // --etcd-learner asks for it on any cluster; the cluster's kubeadm does it from 1.29
  const data = yield* JoinData
  const behaviour = kubeadmBehaviour(yield* data.clusterConfiguration)
  const learner = (config.controlPlane?.etcdLearnerMode ?? false) || behaviour.etcdLearnerMode
  // current kubeadm's lines say nothing of the learner (its promotion is logged at -v1)
  const current = behaviour.currentWording
  const peerURL = `https://${urlHost(cfg.advertiseAddress)}:2380`
  const client = yield* etcdClient(cfg).pipe(Effect.mapError(wrap))
  const ensured = yield* ensureMember(client, cfg.nodeName, peerURL, {
    learner,
    onLearnerWait: out.info(
      "[etcd] Another member is a learner (etcd takes one at a time): waiting for its promotion before adding this one"
    )
  }).pipe(Effect.mapError(wrap))
  if (ensured.reused)
    yield* out.info(
      `[etcd] Found the etcd member ${hexId(ensured.member.id)} already announced for ${peerURL} (an earlier run); reusing it`
    )
  else
    yield* out.info(
      `[etcd] Announced new etcd member joining to the existing etcd cluster${learner && !current ? " (as a learner)" : ""}`
    )
  const dataDir = cfg.etcd.local.dataDir
  const start = Effect.gen(function* () {
    yield* out.detail(
      1,
      `[etcd] Creating local etcd static pod manifest file with initial cluster ${ensured.initialCluster.map((m) => `${m.name}=${m.peerURL}`).join(",")}`
    )
    // current kubeadm creates the data dir itself, 0700 (etcd refuses looser modes)
    const fs = yield* RootFs
    yield* fs.mkdir(dataDir, 0o700)
    const host = yield* hostFacts
    const pod = yield* Effect.mapError(etcdPod(cfg, ensured.initialCluster, host), wrap)
    yield* writeManifest("etcd", pod).pipe(Effect.mapError(wrap))
    yield* out.info(
      current
        ? '[etcd] Creating static Pod manifest for "etcd"'
        : `[etcd] Wrote Static Pod manifest for a local etcd member to "${MANIFESTS_DIR}/etcd.yaml"`
    )
    // The deadline is timeouts.etcdAPICall, applied to the whole phase by withTimeouts (join-workflow.ts).
    yield* out.info(
      `[etcd] Waiting for the new etcd member to join the cluster. This can take up to ${Duration.format((config.timeouts ?? defaultTimeouts).etcdAPICall)}`
    )
    // The wait's own deadline comes a second before the phase's, so its error names the last
    // failure (endpoint and cause) rather than only that time ran out.
    const budget = Duration.toMillis((config.timeouts ?? defaultTimeouts).etcdAPICall)
    const elapsed = (yield* Clock.currentTimeMillis) - started
    yield* waitForMember(client, peerURL, {
      learner,
      timeout: Duration.millis(Math.max(1000, budget - elapsed - 1000)),
      onProgress: (note) => Effect.zipRight(out.detail(2, `[etcd] ${note}`), observed(note))
    }).pipe(
      awaiting({
        awaiting: learner
          ? "the new etcd learner to catch up, be promoted and the cluster to be healthy"
          : "the new etcd member to join the cluster",
        deadline: (config.timeouts ?? defaultTimeouts).etcdAPICall
      }),
      Effect.mapError(wrap)
    )
    const promoted = "[etcd] The learner member is in sync and was promoted to a voting member"
    if (learner) yield* current ? out.detail(1, promoted) : out.info(promoted)
  })
  // From here on a failure (or an interruption) takes the member out again, so a member
  // that never started cannot cost the cluster its quorum (kubeadm issue 3208).
  yield* start.pipe(
    Effect.onError(() =>
      Effect.gen(function* () {
        const undone = yield* Effect.either(rollbackMember(client, ensured.member))
        const id = hexId(ensured.member.id)
        if (Either.isLeft(undone)) {
          yield* out.warn(
            `[etcd] The join failed after adding etcd member ${id} and could not remove it again: ${undone.left.message}. ` +
              `Remove it by hand (etcdctl member remove ${id}) unless this node is joined again now`
          )
          return
        }
        const done = undone.right
        if (done.outcome === "Kept") {
          yield* out.warn(
            `[etcd] The join failed after adding etcd member ${id}; it is left in the cluster because ${done.why}. ` +
              `Bring the other members back, then re-run this join (it resumes) or remove the member (etcdctl member remove ${id})`
          )
          return
        }
        // Its data and manifest belong to a member that no longer exists: a re-run starts afresh.
        const fs = yield* RootFs
        yield* Effect.ignore(fs.remove(`${MANIFESTS_DIR}/etcd.yaml`))
        for (const name of yield* Effect.orElseSucceed(fs.list(dataDir), () => [] as ReadonlyArray<string>))
          yield* Effect.ignore(fs.remove(`${dataDir}/${name}`, { recursive: true }))
        yield* out.info(
          done.outcome === "Removed"
            ? `[etcd] The join failed after adding etcd member ${id}: removed it again, the cluster's membership is as before`
            : `[etcd] The join failed after adding etcd member ${id}, which is no longer in the cluster`
        )
      })
    )
  )
})
