/** The live Kubelet: stops and (re)starts the kubelet's systemd unit, saying so as kubeadm does. */
import { Effect, Either, Option } from "effect"
import { Host } from "../../host/host.js"
import type { KubeletService } from "../../kubelet/kubelet.js"
import { Output } from "../../output.js"

const noInit = {
  stop: "[kubelet-start] no supported init system detected, won't make sure the kubelet not running for a short period of time while setting up configuration for it.",
  start: "[kubelet-start] no supported init system detected, won't make sure the kubelet is running properly.",
  startCurrent: "[kubelet-start] No supported init system detected, won't make sure the kubelet is running properly."
}

/** The live Kubelet service on the Host's init system. */
export const make: Effect.Effect<KubeletService, never, Host | Output> = Effect.gen(function* () {
  const host = yield* Host
  const out = yield* Output
  const systemctl = Effect.gen(function* () {
    if ((yield* host.initSystem) !== "systemd") return Option.none<string>()
    return yield* host.lookPath("systemctl")
  })
  const failure = (
    r: Either.Either<{ readonly exitCode: number; readonly stderr: string }, { readonly message: string }>
  ) =>
    Either.match(r, {
      onLeft: (e) => Option.some(e.message),
      onRight: (ok) => (ok.exitCode !== 0 ? Option.some(ok.stderr.trim()) : Option.none())
    })
  return {
    stop: Effect.gen(function* () {
      const tool = yield* systemctl
      if (Option.isNone(tool)) return yield* out.info(noInit.stop)
      const status = yield* Effect.either(host.run(tool.value, ["status", "kubelet"]))
      if (Either.isRight(status) && status.right.stdout.includes("Loaded: not-found")) {
        return yield* out.info(
          "[kubelet-start] couldn't detect a kubelet service, can't make sure the kubelet not running for a short period of time while setting up configuration for it."
        )
      }
      const failed = failure(yield* Effect.either(host.run(tool.value, ["stop", "kubelet"])))
      if (Option.isSome(failed))
        yield* out.warn(`[kubelet-start] WARNING: unable to stop the kubelet service momentarily: [${failed.value}]`)
    }),
    start: (wording) =>
      Effect.gen(function* () {
        const current = wording === "current"
        if (current) yield* out.info("[kubelet-start] Starting the kubelet")
        const tool = yield* systemctl
        if (Option.isNone(tool)) {
          yield* out.info(current ? noInit.startCurrent : noInit.start)
          return false
        }
        if (!current) yield* out.info("[kubelet-start] Activating the kubelet service")
        yield* Effect.either(host.run(tool.value, ["daemon-reload"]))
        const failed = failure(yield* Effect.either(host.run(tool.value, ["restart", "kubelet"])))
        if (Option.isSome(failed)) {
          yield* out.warn(`[kubelet-start] WARNING: unable to start the kubelet service: [${failed.value}]`)
          yield* out.warn("[kubelet-start] Please ensure kubelet is reloaded and running manually.")
          return false
        }
        return true
      })
  }
})
