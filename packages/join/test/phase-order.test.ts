/**
 * Which phases a join runs, by cluster version: every phase's condition (and its
 * parent's) evaluated against a cluster of that version, for a worker and for a
 * control plane. kubeadm 1.15's order stays for old clusters; current kubeadm's
 * (etcd-join, kubelet-wait-bootstrap, wait-control-plane) applies where that
 * version's kubeadm has it.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Phase, PhaseContext, PhaseError } from "@kubeadm-ts/workflow"
import { Effect, Layer } from "effect"
import { JoinData } from "../src/discovery/join-data.js"
import { joinWorkflow, workerWorkflow } from "../src/join-workflow.js"
import { clusterConfiguration, options, workerConfig } from "./fixtures/config.js"
import * as joinContext from "../src/join-context.js"

const controlPlane = {
  localAPIEndpoint: { advertiseAddress: "10.0.0.2", bindPort: 6443 },
  certificateKey: "ab".repeat(32),
  etcdLearnerMode: false
}

/** Any phase of the join's trees (the worker tree's needs are a subset). */
type Tree = (typeof joinWorkflow.phases)[number]

/** The full names of the phases that would run, in order (hidden `all` children left out). */
const running = (version: string, role: "worker" | "control-plane", featureGates?: Record<string, boolean>) =>
  Effect.gen(function* () {
    const names: Array<string> = []
    const visit = (
      p: Phase<PhaseContext<Tree>, PhaseError<Tree>>,
      prefix: string | undefined
    ): Effect.Effect<void, PhaseError<Tree>, PhaseContext<Tree>> =>
      Effect.gen(function* () {
        const full = prefix === undefined ? p.name : `${prefix}/${p.name}`
        if (p.condition !== undefined && !(yield* p.condition.when)) return
        if (p.name !== "all") names.push(full)
        for (const c of p.children) yield* visit(c, full)
      })
    // A worker runs the tree whose control-plane phases are only listed: it must run the same phases.
    for (const p of (role === "worker" ? workerWorkflow : joinWorkflow).phases) yield* visit(p, undefined)
    return names
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        joinContext.layer(role === "worker" ? workerConfig() : workerConfig({ controlPlane }), options()),
        Layer.succeed(JoinData, {
          cluster: Effect.die("not used"),
          tlsBootstrapKubeconfig: Effect.die("not used"),
          bootstrapClient: Effect.die("not used"),
          clusterConfiguration: Effect.succeed(clusterConfiguration(version, featureGates))
        })
      )
    )
  ) as unknown as Effect.Effect<ReadonlyArray<string>>

const OLD_CONTROL_PLANE_HEAD = [
  "preflight",
  "control-plane-prepare",
  "control-plane-prepare/download-certs",
  "control-plane-prepare/certs",
  "control-plane-prepare/kubeconfig",
  "control-plane-prepare/control-plane",
  "check-etcd",
  "kubelet-start"
]

describe("the phase order by cluster version", () => {
  it.effect("1.15: kubeadm 1.15's order (kubelet-start waits; control-plane-join/etcd, update-status)", () =>
    Effect.gen(function* () {
      expect(yield* running("v1.15.12", "worker")).toEqual(["preflight", "kubelet-start"])
      expect(yield* running("v1.15.12", "control-plane")).toEqual([
        ...OLD_CONTROL_PLANE_HEAD,
        "control-plane-join",
        "control-plane-join/etcd",
        "control-plane-join/update-status",
        "control-plane-join/mark-control-plane"
      ])
    })
  )

  it.effect("1.30: the 1.15 order; wait-control-plane only with WaitForAllControlPlaneComponents on", () =>
    Effect.gen(function* () {
      const old = [
        ...OLD_CONTROL_PLANE_HEAD,
        "control-plane-join",
        "control-plane-join/etcd",
        "control-plane-join/update-status",
        "control-plane-join/mark-control-plane"
      ]
      expect(yield* running("v1.30.4", "control-plane")).toEqual(old)
      expect(yield* running("v1.30.4", "control-plane", { WaitForAllControlPlaneComponents: true })).toEqual([
        ...old,
        "wait-control-plane"
      ])
      expect(yield* running("v1.30.4", "worker")).toEqual(["preflight", "kubelet-start"])
    })
  )

  it.effect("1.31-1.32: update-status is gone; ControlPlaneKubeletLocalMode on moves the etcd join and the wait", () =>
    Effect.gen(function* () {
      expect(yield* running("v1.31.2", "control-plane")).toEqual([
        ...OLD_CONTROL_PLANE_HEAD,
        "control-plane-join",
        "control-plane-join/etcd",
        "control-plane-join/mark-control-plane"
      ])
      expect(yield* running("v1.32.0", "control-plane", { ControlPlaneKubeletLocalMode: true })).toEqual([
        ...OLD_CONTROL_PLANE_HEAD,
        "etcd-join",
        "kubelet-wait-bootstrap",
        "control-plane-join",
        "control-plane-join/mark-control-plane"
      ])
    })
  )

  it.effect("1.37: current kubeadm's order, for a worker and a control plane", () =>
    Effect.gen(function* () {
      expect(yield* running("v1.37.2", "worker")).toEqual(["preflight", "kubelet-start", "kubelet-wait-bootstrap"])
      expect(yield* running("v1.37.2", "control-plane")).toEqual([
        ...OLD_CONTROL_PLANE_HEAD,
        "etcd-join",
        "kubelet-wait-bootstrap",
        "control-plane-join",
        "control-plane-join/mark-control-plane",
        "wait-control-plane"
      ])
      // the gates are locked on by then
      expect(
        yield* running("v1.37.2", "control-plane", {
          ControlPlaneKubeletLocalMode: false,
          WaitForAllControlPlaneComponents: false
        })
      ).toContain("etcd-join")
    })
  )

  it.effect("1.34 with ControlPlaneKubeletLocalMode off: the 1.15 order, plus wait-control-plane (GA in 1.34)", () =>
    Effect.gen(function* () {
      expect(yield* running("v1.34.1", "control-plane", { ControlPlaneKubeletLocalMode: false })).toEqual([
        ...OLD_CONTROL_PLANE_HEAD,
        "control-plane-join",
        "control-plane-join/etcd",
        "control-plane-join/mark-control-plane",
        "wait-control-plane"
      ])
    })
  )
})
