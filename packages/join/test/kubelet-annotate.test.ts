/** The CRI-socket annotation's wait for the Node: only "not there yet" is waited out; a refused read fails at once with the API's message. */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Layer, Ref, TestClock } from "effect"
import { KubeApi, KubeApiError, type KubeApiReason, type KubeClient, type Node } from "../src/kube-api/kube-api.js"
import { kubeletKubeconfig, serializeKubeconfig } from "../src/kubeconfig/index.js"
import { KubeletError } from "../src/kubelet/errors.js"
import { annotateCriSocket } from "../src/kubelet/wait.js"
import { type OutputLine } from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import * as output from "../src/output.js"

const stubClient = (over: Partial<KubeClient>): KubeClient =>
  new Proxy(over, {
    get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : () => Effect.die(`${String(p)} not used`))
  }) as KubeClient

const apiError = (status: number, reason: KubeApiReason, detail: string) =>
  new KubeApiError({ op: "get Node node-1", server: "https://127.0.1.1:6443", status, reason, detail })

const socket = "unix:///var/run/containerd/containerd.sock"

const setup = (client: KubeClient) =>
  Effect.gen(function* () {
    const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
    const fs = rootfs.fake({
      "/etc/kubernetes/kubelet.conf": serializeKubeconfig(
        kubeletKubeconfig({ server: "https://127.0.1.1:6443", caPem: "CA" })
      ),
      // read as text only: the stub API client never uses it
      "/var/lib/kubelet/pki/kubelet-client-current.pem": "CERT AND KEY"
    })
    const layer = Layer.mergeAll(
      fs.layer,
      output.fake(lines),
      Layer.succeed(KubeApi, { client: () => Effect.succeed(client) })
    )
    return { lines, layer }
  })

describe("annotateCriSocket", () => {
  for (const [status, reason, detail] of [
    [401, "Unauthorized", "Unauthorized"],
    [403, "Forbidden", 'nodes "node-1" is forbidden: User "system:node:other" cannot get resource "nodes"'],
    [0, "TLSError", "certificate signed by unknown authority"]
  ] as const) {
    it.effect(`${reason}: fails at once with the API's message (no wait, no 'not registered')`, () =>
      Effect.gen(function* () {
        let gets = 0
        const { lines, layer } = yield* setup(
          stubClient({
            // each run of the effect is one request (the retry re-runs it)
            getNode: () =>
              Effect.suspend(() => {
                gets++
                return Effect.fail(apiError(status, reason, detail))
              })
          })
        )
        const fiber = yield* Effect.fork(
          Effect.either(annotateCriSocket("node-1", socket, Duration.seconds(30)).pipe(Effect.provide(layer)))
        )
        yield* TestClock.adjust("31 seconds")
        const result = yield* Fiber.join(fiber)
        expect(gets).toBe(1)
        expect(Either.isLeft(result) && result.left).toBeInstanceOf(KubeletError)
        expect(Either.isLeft(result) && result.left.reason).toBe("CriSocketAnnotationFailed")
        const message = Either.isLeft(result) ? result.left.message : ""
        expect(message).toContain(detail)
        expect(message).toContain("/etc/kubernetes/kubelet.conf")
        expect((yield* Ref.get(lines)).map((l) => l.text).join("\n")).not.toContain("was not registered")
      })
    )
  }

  it.effect("NotFound, then unreachable, then the labelled Node: waits, then annotates", () =>
    Effect.gen(function* () {
      const answers: Array<Effect.Effect<Node, KubeApiError>> = [
        Effect.fail(apiError(404, "NotFound", "not found")),
        Effect.fail(apiError(0, "Unreachable", "connect ECONNREFUSED")),
        Effect.fail(apiError(0, "ConnectionReset", "socket hang up")),
        Effect.succeed({ metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1" } } })
      ]
      const patches: unknown[] = []
      const { layer } = yield* setup(
        stubClient({
          getNode: () => Effect.suspend(() => answers.shift() ?? Effect.die("no more answers")),
          patchNode: (_n, patch) => {
            patches.push(patch)
            return Effect.succeed({ metadata: { name: "node-1" } })
          }
        })
      )
      const fiber = yield* Effect.fork(
        annotateCriSocket("node-1", socket, Duration.seconds(30)).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toBe(true)
      expect(patches).toEqual([{ metadata: { annotations: { "kubeadm.alpha.kubernetes.io/cri-socket": socket } } }])
    })
  )

  it.effect("a Node that never appears: the 'not registered' warning after the wait", () =>
    Effect.gen(function* () {
      const { lines, layer } = yield* setup(
        stubClient({ getNode: () => Effect.fail(apiError(404, "NotFound", "not found")) })
      )
      const fiber = yield* Effect.fork(
        annotateCriSocket("node-1", socket, Duration.seconds(30)).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust("31 seconds")
      expect(yield* Fiber.join(fiber)).toBe(false)
      expect((yield* Ref.get(lines)).map((l) => l.text)).toContain(
        '[kubelet-start] WARNING: Node "node-1" was not registered within 30s; the kubeadm.alpha.kubernetes.io/cri-socket annotation was not added'
      )
    })
  )
})
