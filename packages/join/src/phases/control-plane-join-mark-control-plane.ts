/** The `control-plane-join/mark-control-plane` phase: label and taint the node as a control-plane. */
import { Data, Duration, Effect, Schedule } from "effect"
import { nodeTaints } from "../config/defaults.js"
import type { Taint } from "../config/model.js"
import { JoinContext } from "../join-context.js"
import type { KubeClient, NodeTaint } from "../kube-api/kube-api.js"
import { behaviourForMinor, behaviourForVersion } from "../kubeadm-behaviour.js"
import { Output } from "../output.js"
import { adminClient } from "../control-plane/admin.js"
import { controlPlaneConfig } from "../control-plane/config.js"
import { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { JoinData } from "../discovery/join-data.js"
import type { Host } from "../host/host.js"
import type { RootFs } from "../rootfs/rootfs.js"
import type { KubeApi } from "../kube-api/kube-api.js"

export { CONTROL_PLANE_LABEL, EXCLUDE_LB_LABEL, MASTER_LABEL } from "../kubeadm-behaviour.js"

/** The labels kubeadm applies for a cluster at 1.<minor> (kubeadm-behaviour's controlPlaneLabels). */
export const controlPlaneLabels = (minor: number): string[] => [...behaviourForMinor(minor).controlPlaneLabels]

const taintText = (t: { key: string; value?: string; effect: string }) =>
  `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`
const sameTaint = (a: NodeTaint, b: NodeTaint) =>
  a.key === b.key && (a.value ?? "") === (b.value ?? "") && a.effect === b.effect

/** The Node is not registered yet, or changed under the patch: worth another try. */
class NotYet extends Data.TaggedError("NotYet")<{ readonly reason: "NotYet" }> {}
const notYet = () => new NotYet({ reason: "NotYet" })

/**
 * Waits for the Node (registered, with its hostname label), then patches it:
 * labels merge; taints = configured ones + every existing one not equal to them
 * (the whole list goes in the patch: taints have no merge key).
 */
export const markNode = (
  admin: KubeClient,
  nodeName: string,
  labels: ReadonlyArray<string>,
  taints: ReadonlyArray<Taint>,
  timeout?: Duration.DurationInput
) =>
  Effect.gen(function* () {
    const out = yield* Output
    const attempt = Effect.gen(function* () {
      const node = yield* admin.getNode(nodeName).pipe(Effect.mapError(() => notYet()))
      if (node.metadata.labels?.["kubernetes.io/hostname"] === undefined) return yield* notYet()
      const existing = node.spec?.taints ?? []
      const merged: NodeTaint[] = [
        ...taints.map((t) => ({ key: t.key, effect: t.effect, ...(t.value ? { value: t.value } : {}) }))
      ]
      for (const t of existing) if (!merged.some((m) => sameTaint(m, t))) merged.push(t)
      const patch = {
        metadata: { labels: Object.fromEntries(labels.map((l) => [l, ""])) },
        ...(merged.length > 0 || existing.length > 0 ? { spec: { taints: merged } } : {})
      }
      yield* admin.patchNode(nodeName, patch).pipe(
        Effect.catchIf(
          (e) => e.reason === "Conflict",
          () =>
            Effect.zipRight(
              out.info("Temporarily unable to update node metadata due to conflict (will retry)"),
              notYet()
            )
        )
      )
    })
    const retried = attempt.pipe(
      Effect.retry({ schedule: Schedule.spaced("500 millis"), while: (e) => e.reason === "NotYet" })
    )
    const limit = timeout === undefined ? undefined : Duration.decode(timeout)
    return yield* (
      limit === undefined ? retried : retried.pipe(Effect.timeoutFail({ duration: limit, onTimeout: () => notYet() }))
    ).pipe(
      Effect.catchTags({
        NotYet: () =>
          new ControlPlaneJoinError({
            reason: "MarkNode",
            detail: `timed out waiting for the condition (Node "${nodeName}" not registered within ${limit === undefined ? "the deadline" : Duration.format(limit)})`
          }),
        KubeApiError: (e) =>
          new ControlPlaneJoinError({
            reason: "MarkNode",
            detail: `error patching node "${nodeName}" through apiserver: ${e.message}`,
            cause: e
          })
      })
    )
  })

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError,
  JoinContext | JoinData | Output | Host | RootFs | KubeApi
> = Effect.gen(function* () {
  const out = yield* Output
  const { config } = yield* JoinContext
  const cfg = yield* controlPlaneConfig
  const behaviour = behaviourForVersion(cfg.kubernetesVersion)
  const labels = behaviour.controlPlaneLabels
  const taints = nodeTaints(config, behaviour.controlPlaneTaint)
  const name = cfg.nodeName
  if (behaviour.masterWording)
    yield* out.info(
      `[mark-control-plane] Marking the node ${name} as control-plane by adding the label "${labels[0]}=''"`
    )
  else
    yield* out.info(
      `[mark-control-plane] Marking the node ${name} as control-plane by adding the labels: [${labels.join(" ")}]`
    )
  if (taints.length > 0)
    yield* out.info(
      `[mark-control-plane] Marking the node ${name} as control-plane by adding the taints [${taints.map(taintText).join(" ")}]`
    )
  const admin = yield* adminClient
  // The deadline is timeouts.kubernetesAPICall, applied to the whole phase by withTimeouts (join-workflow.ts).
  yield* markNode(admin, name, labels, taints)
})
