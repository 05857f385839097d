/**
 * wait-control-plane: the endpoints kubeadm checks (from the manifests' flags, or
 * its defaults), the API server checked with admin.conf's identity, and the wait
 * bounded by timeouts.controlPlaneComponentHealthCheck on the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Either, Fiber, Layer, Ref, TestClock } from "effect"
import { layerTest as healthTest, type HealthTls } from "../src/health/index.js"
import * as host from "../src/host/host.js"
import { serializeKubeconfig } from "../src/kubeconfig/index.js"
import { type OutputLine } from "../src/output.js"
import { componentChecks, run } from "../src/phases/wait-control-plane.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { options, workerConfig } from "./fixtures/config.js"
import * as joinContext from "../src/join-context.js"
import * as output from "../src/output.js"

const manifest = (name: string, flags: ReadonlyArray<string>) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: ${name}\n    command:\n    - ${name}\n${flags.map((f) => `    - ${f}\n`).join("")}`

const MANIFESTS = {
  "kube-apiserver": manifest("kube-apiserver", [
    "--advertise-address=10.0.0.2",
    "--secure-port=6443",
    "--etcd-servers=https://127.0.0.1:2379"
  ]),
  "kube-controller-manager": manifest("kube-controller-manager", ["--bind-address=127.0.0.1", "--leader-elect=true"]),
  "kube-scheduler": manifest("kube-scheduler", [
    "--bind-address=127.0.0.1",
    "--kubeconfig=/etc/kubernetes/scheduler.conf"
  ])
}

describe("wait-control-plane", () => {
  it("checks kubeadm's URLs: the API server's /livez at its advertise address, the controller manager's /healthz and the scheduler's /livez on loopback", () => {
    expect(componentChecks(MANIFESTS, "10.0.0.9")).toEqual(
      Either.right([
        { name: "kube-apiserver", url: "https://10.0.0.2:6443/livez" },
        { name: "kube-controller-manager", url: "https://127.0.0.1:10257/healthz" },
        { name: "kube-scheduler", url: "https://127.0.0.1:10259/livez" }
      ])
    )
    // without the flags: the node's advertise address and the default ports; --secure-port and IPv6 honoured
    const bare = {
      ...MANIFESTS,
      "kube-apiserver": manifest("kube-apiserver", []),
      "kube-scheduler": manifest("kube-scheduler", ["--bind-address=::1", "--secure-port=20259"])
    }
    expect(Either.getOrThrow(componentChecks(bare, "10.0.0.9")).map((c) => c.url)).toEqual([
      "https://10.0.0.9:6443/livez",
      "https://127.0.0.1:10257/healthz",
      "https://[::1]:20259/livez"
    ])
    expect(componentChecks({ "kube-apiserver": MANIFESTS["kube-apiserver"] }, "10.0.0.9")).toEqual(
      Either.left(
        'could not parse the address and port of all control plane components: got nil Pod for component "kube-controller-manager", got nil Pod for component "kube-scheduler"'
      )
    )
  })

  const setup = (
    get: (url: string, tls?: HealthTls) => Effect.Effect<number>,
    lines: Ref.Ref<ReadonlyArray<OutputLine>>
  ) => {
    const admin = serializeKubeconfig({
      clusters: [
        { name: "kubernetes", value: { server: "https://cp.example:6443", certificateAuthorityData: "CA-PEM" } }
      ],
      users: [{ name: "kubernetes-admin", value: { clientCertificateData: "ADMIN-CERT", clientKeyData: "ADMIN-KEY" } }],
      contexts: [{ name: "kubernetes-admin@kubernetes", value: { cluster: "kubernetes", user: "kubernetes-admin" } }],
      currentContext: "kubernetes-admin@kubernetes"
    })
    const fs = rootfs.fake({
      "/etc/kubernetes/admin.conf": admin,
      ...Object.fromEntries(
        Object.entries(MANIFESTS).map(([name, text]) => [`/etc/kubernetes/manifests/${name}.yaml`, text])
      )
    })
    const config = workerConfig({
      controlPlane: {
        localAPIEndpoint: { advertiseAddress: "10.0.0.2", bindPort: 6443 },
        certificateKey: "",
        etcdLearnerMode: false
      }
    })
    return Layer.mergeAll(
      fs.layer,
      host.fake().layer,
      joinContext.layer(config, options()),
      output.fake(lines),
      healthTest({ get })
    )
  }

  it.effect(
    "passes once all three answer 200; the API server is asked with admin.conf's CA and client certificate",
    () =>
      Effect.gen(function* () {
        const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
        const asked: Array<[string, HealthTls | undefined]> = []
        yield* run.pipe(
          Effect.provide(
            setup((url, tls) => Effect.sync(() => void asked.push([url, tls])).pipe(Effect.as(200)), lines)
          )
        )
        expect(asked).toContainEqual([
          "https://10.0.0.2:6443/livez",
          { caPem: "CA-PEM", certPem: "ADMIN-CERT", keyPem: "ADMIN-KEY" }
        ])
        expect(asked).toContainEqual(["https://127.0.0.1:10257/healthz", undefined])
        expect(asked).toContainEqual(["https://127.0.0.1:10259/livez", undefined])
        const info = (yield* Ref.get(lines)).map((l) => l.text)
        expect(info.slice(0, 4)).toEqual([
          "[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s",
          "[control-plane-check] Checking kube-apiserver at https://10.0.0.2:6443/livez",
          "[control-plane-check] Checking kube-controller-manager at https://127.0.0.1:10257/healthz",
          "[control-plane-check] Checking kube-scheduler at https://127.0.0.1:10259/livez"
        ])
        expect(info).toContain("[control-plane-check] kube-scheduler is healthy after 0s")
      })
  )

  it.effect("a scheduler that never answers fails the phase after 4 minutes (TestClock), naming it and its URL", () =>
    Effect.gen(function* () {
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const refused = yield* Deferred.make<undefined>()
      const get = (url: string) =>
        url.includes(":10259")
          ? Effect.zipRight(Deferred.succeed(refused, undefined), Effect.succeed(503))
          : Effect.succeed(200)
      const fiber = yield* Effect.fork(Effect.either(run.pipe(Effect.provide(setup(get, lines)))))
      yield* Deferred.await(refused)
      yield* TestClock.adjust(Duration.minutes(3))
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.seconds(61))
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left.message).toBe(
        "failed while waiting for the control plane to start: kube-scheduler check failed at https://127.0.0.1:10259/livez: status code: 503"
      )
      const info = (yield* Ref.get(lines)).map((l) => l.text)
      expect(info).toContain("[control-plane-check] kube-apiserver is healthy after 0s")
      expect(info.some((l) => l.startsWith("[control-plane-check] kube-scheduler is not healthy after 4m"))).toBe(true)
    })
  )
})
