/** The `control-plane-join/mark-control-plane` phase: label and taint the node as a control-plane. */
import { Data, Duration, Effect, Schedule } from "effect"
import { nodeTaints } from "../config/defaults.js"
import type { Taint } from "../config/model.js"
import { JoinContext } from "../join-context.js"
import type { KubeClient, NodeTaint } from "../kube-api/kube-api.js"
import { kubernetesMinor } from "../manifests/control-plane-config.js"
import { Output } from "../output.js"
import { adminClient, ControlPlaneJoinError, controlPlaneConfig } from "./control-plane-shared.js"

export const MASTER_LABEL = "node-role.kubernetes.io/master"
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
export const EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"

/** The labels kubeadm applies, by the cluster's minor version (1.20 added control-plane, 1.24 dropped master). */
export const controlPlaneLabels = (minor: number): string[] => [
  ...(minor < 24 ? [MASTER_LABEL] : []),
  ...(minor >= 20 ? [CONTROL_PLANE_LABEL] : []),
  ...(minor >= 21 ? [EXCLUDE_LB_LABEL] : [])
]

const taintText = (t: { key: string; value?: string; effect: string }) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`
const sameTaint = (a: NodeTaint, b: NodeTaint) => a.key === b.key && (a.value ?? "") === (b.value ?? "") && a.effect === b.effect

class NotYet extends Data.TaggedError("NotYet")<{}> {}

/**
 * Waits for the Node (registered, with its hostname label), then patches it:
 * labels merge; taints = configured ones + every existing one not equal to them
 * (the whole list goes in the patch: taints have no merge key).
 */
export const markNode = (admin: KubeClient, nodeName: string, labels: ReadonlyArray<string>, taints: ReadonlyArray<Taint>, timeout: Duration.DurationInput) =>
  Effect.gen(function* () {
    const out = yield* Output
    const attempt = Effect.gen(function* () {
      const node = yield* admin.getNode(nodeName).pipe(Effect.mapError(() => new NotYet()))
      if (node.metadata.labels?.["kubernetes.io/hostname"] === undefined) return yield* new NotYet()
      const existing = node.spec?.taints ?? []
      const merged: NodeTaint[] = [...taints.map((t) => ({ key: t.key, effect: t.effect, ...(t.value ? { value: t.value } : {}) }))]
      for (const t of existing) if (!merged.some((m) => sameTaint(m, t))) merged.push(t)
      const patch = {
        metadata: { labels: Object.fromEntries(labels.map((l) => [l, ""])) },
        ...(merged.length > 0 || existing.length > 0 ? { spec: { taints: merged } } : {})
      }
      yield* admin.patchNode(nodeName, patch).pipe(
        Effect.catchIf(
          (e) => e.reason === "Conflict",
          () => Effect.zipRight(out.info("Temporarily unable to update node metadata due to conflict (will retry)"), new NotYet())
        )
      )
    })
    const limit = Duration.decode(timeout)
    return yield* attempt.pipe(
      Effect.retry({ schedule: Schedule.spaced("500 millis"), while: (e) => e instanceof NotYet }),
      Effect.timeoutFail({ duration: limit, onTimeout: () => new NotYet() }),
      Effect.mapError((e) =>
        e instanceof NotYet
          ? new ControlPlaneJoinError({ message: `error applying control-plane label and taints: timed out waiting for the condition (Node "${nodeName}" not registered within ${Duration.format(limit)})` })
          : new ControlPlaneJoinError({ message: `error applying control-plane label and taints: error patching node "${nodeName}" through apiserver: ${e.message}` })
      )
    )
  })

export const run = Effect.gen(function* () {
  const out = yield* Output
  const { config } = yield* JoinContext
  const cfg = yield* controlPlaneConfig
  const minor = kubernetesMinor(cfg.kubernetesVersion)
  const labels = controlPlaneLabels(minor)
  const taints = nodeTaints(config, minor)
  const name = cfg.nodeName
  if (minor < 20) yield* out.info(`[mark-control-plane] Marking the node ${name} as control-plane by adding the label "${labels[0]}=''"`)
  else yield* out.info(`[mark-control-plane] Marking the node ${name} as control-plane by adding the labels: [${labels.join(" ")}]`)
  if (taints.length > 0)
    yield* out.info(`[mark-control-plane] Marking the node ${name} as control-plane by adding the taints [${taints.map(taintText).join(" ")}]`)
  const admin = yield* adminClient
  yield* markNode(admin, name, labels, taints, "2 minutes")
})
