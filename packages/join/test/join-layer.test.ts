/**
 * One builder for a join's services: a worker's environment holds no Etcd, in its
 * type and at run time, and the worker's phase tree lists every phase of the full
 * tree (same names, descriptions, hidden flags and skip reasons) without needing
 * the control-plane phases' services.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { only, type Phase, type PhaseContext, phase, run, silentReporter, workflow } from "@kubeadm-ts/workflow"
import { Context, Duration, Effect, Either, Fiber, Layer, Option, TestClock } from "effect"
import { Crypto } from "../src/crypto/crypto.js"
import { JoinData } from "../src/discovery/join-data.js"
import { Etcd } from "../src/etcd/etcd.js"
import { layerTest as healthTest } from "../src/health/health.js"
import { Host } from "../src/host/host.js"
import { controlPlaneLayer, joinLayer, type JoinLayers, type WorkerServices } from "../src/join-layer.js"
import { joinWorkflow, withTimeouts, workerWorkflow } from "../src/join-workflow.js"
import { defaultTimeouts } from "../src/config/defaults.js"
import { KubeApi } from "../src/kube-api/kube-api.js"
import { Kubelet } from "../src/kubelet/kubelet.js"
import * as output from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { options, workerConfig } from "./fixtures/config.js"

/** Services that are only looked up, never called: each dies if a test calls it. */
const unused = <I, S>(tag: Context.Tag<I, S>) =>
  Layer.succeed(tag, new Proxy({}, { get: (_, k) => Effect.die(`${String(k)} was not expected`) }) as S)

const fakes: Partial<JoinLayers> = {
  output: output.layerTest(),
  rootFs: rootfs.layerTest(),
  crypto: unused(Crypto),
  health: healthTest(),
  kubeApi: unused(KubeApi),
  host: unused(Host),
  joinData: unused(JoinData),
  kubelet: unused(Kubelet),
  etcd: unused(Etcd)
}
const input = { config: workerConfig(), options: options() }

describe("joinLayer", () => {
  it("types: a worker's phase tree needs no Etcd; the full tree does", () => {
    type WorkerNeeds = PhaseContext<(typeof workerWorkflow.phases)[number]>
    type FullNeeds = PhaseContext<(typeof joinWorkflow.phases)[number]>
    expectTypeOf<Extract<WorkerNeeds, Etcd>>().toEqualTypeOf<never>()
    expectTypeOf<Extract<FullNeeds, Etcd>>().toEqualTypeOf<Etcd>()
    expectTypeOf<Exclude<WorkerNeeds, WorkerServices>>().toEqualTypeOf<never>()
  })

  it.effect("a worker's environment holds no Etcd; a control plane's does", () =>
    Effect.gen(function* () {
      const worker = yield* Effect.context<WorkerServices>().pipe(Effect.provide(joinLayer(input, fakes)))
      expect(Option.isNone(Context.getOption(worker as Context.Context<WorkerServices | Etcd>, Etcd))).toBe(true)
      expect(Option.isSome(Context.getOption(worker, KubeApi))).toBe(true)
      const controlPlane = yield* Effect.context<Etcd>().pipe(Effect.provide(controlPlaneLayer(input, fakes)))
      expect(Option.isSome(Context.getOption(controlPlane, Etcd))).toBe(true)
    })
  )

  it("the worker tree lists every phase of the full tree, with the same skip reasons and no run", () => {
    const shape = (p: Phase<unknown, unknown>): unknown => ({
      name: p.name,
      description: p.description,
      hidden: p.hidden ?? false,
      reason: p.condition?.reason,
      children: p.children.map(shape)
    })
    expect(workerWorkflow.phases.map(shape)).toEqual(joinWorkflow.phases.map(shape))
    const runs = (p: Phase<unknown, unknown>): Array<string> => [
      ...(p.run !== undefined ? [p.name] : []),
      ...p.children.flatMap(runs)
    ]
    expect(workerWorkflow.phases.flatMap(runs)).toEqual(["preflight", "kubelet-start", "kubelet-wait-bootstrap"])
  })

  it.effect(
    "withTimeouts: the config's etcdAPICall and kubernetesAPICall bound the etcd join and mark-control-plane, also under `only`",
    () =>
      Effect.gen(function* () {
        // Phases named like the join's, that never finish: only the deadlines can end them.
        const endless = workflow(
          phase({ name: "etcd-join", description: "e", run: Effect.never }),
          phase({
            name: "control-plane-join",
            description: "c",
            children: [
              phase({ name: "etcd", description: "e", run: Effect.never }),
              phase({ name: "mark-control-plane", description: "m", run: Effect.never })
            ]
          })
        )
        const timeouts = {
          ...defaultTimeouts,
          etcdAPICall: Duration.seconds(90),
          kubernetesAPICall: Duration.seconds(20)
        }
        const timed = yield* withTimeouts(timeouts)(endless)
        const failure = (selected: typeof timed, after: Duration.DurationInput) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.fork(Effect.flip(run(selected).pipe(Effect.provide(silentReporter))))
            yield* TestClock.adjust(after)
            return (yield* Fiber.join(fiber)).message
          })
        expect(yield* failure(timed, "90 seconds")).toBe(
          "error execution phase etcd-join: phase etcd-join timed out after 1m 30s waiting for the new etcd member to join the cluster"
        )
        const mark = yield* Either.flatMap(Either.right(timed), only("control-plane-join/mark-control-plane"))
        expect(yield* failure(mark, "20 seconds")).toBe(
          "error execution phase control-plane-join/mark-control-plane: phase control-plane-join/mark-control-plane timed out after 20s waiting for the Node to be registered and marked as a control plane"
        )
        // The join's own trees have these phases (withTimeouts fails on an unknown name).
        expect(Either.isRight(withTimeouts()(joinWorkflow))).toBe(true)
        expect(Either.isRight(withTimeouts()(workerWorkflow))).toBe(true)
      })
  )
})
