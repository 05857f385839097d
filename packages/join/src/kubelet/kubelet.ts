/**
 * `Kubelet`: stopping and (re)starting the kubelet through the init system. Its TLS bootstrap
 * (by the kubelet itself, or in-process) is the KubeletBootstrap service (../bootstrap/).
 */
import { Context, Effect, Layer } from "effect"
import type { Host } from "../host/host.js"
import * as initSystem from "../internal/kubelet/init-system.js"
import { Output } from "../output.js"

/** The kubelet as the init system runs it. */
export interface KubeletService {
  /** Best effort; prints kubeadm's notices (no init system, no service, failure). */
  readonly stop: Effect.Effect<void>
  /**
   * Best effort; returns whether an init system (re)started the kubelet. `wording` is the
   * cluster's kubeadm's: 1.15 says "Activating the kubelet service" once an init system is found,
   * current kubeadm "Starting the kubelet" first.
   */
  readonly start: (wording: KubeletStartWording) => Effect.Effect<boolean>
}

/** Which kubeadm's lines `Kubelet.start` prints. */
export type KubeletStartWording = "v1.15" | "current"

/** The Tag of the Kubelet service. */
export class Kubelet extends Context.Tag("@kubeadm-ts/join/Kubelet")<Kubelet, KubeletService>() {}

/** The live Kubelet: systemctl when systemd runs, a notice otherwise. */
export const layer: Layer.Layer<Kubelet, never, Host | Output> = Layer.effect(Kubelet, initSystem.make)

/** The `--dry-run` Kubelet: says what it would do to the kubelet, as kubeadm does, and touches nothing. */
export const layerDryRun: Layer.Layer<Kubelet, never, Output> = Layer.effect(
  Kubelet,
  Effect.map(Output, (out) => ({
    stop: out.info("[kubelet-start] Would stop the kubelet"),
    start: () => Effect.as(out.info("[kubelet-start] Would start the kubelet"), true)
  }))
)

/** A Kubelet for tests: each method not given dies, naming itself. */
export const layerTest = (partial: Partial<KubeletService> = {}): Layer.Layer<Kubelet> =>
  Layer.succeed(Kubelet, {
    stop: Effect.die("Kubelet.stop was not expected by this test"),
    start: () => Effect.die("Kubelet.start was not expected by this test"),
    ...partial
  })
