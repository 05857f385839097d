/** The external kubelet: the init system starts it, it bootstraps itself; the join checks its health and waits for kubelet.conf. */
import { Effect, Either } from "effect"
import type { Crypto } from "../../crypto/crypto.js"
import type { KubeletBootstrapService } from "../../bootstrap/kubelet-bootstrap.js"
import type { Health } from "../../health/health.js"
import type { Host } from "../../host/host.js"
import { BOOTSTRAP_KUBELET_CONF, KUBELET_CONFIG_YAML } from "../../kubelet/files.js"
import { waitForKubeletHealthy, waitForTlsBootstrap } from "../../kubelet/wait.js"
import { Output } from "../../output.js"
import { RootFs } from "../../rootfs/rootfs.js"

const NO_KUBELET_HINT = ` (no init system started a kubelet here: run one with --bootstrap-kubeconfig=${BOOTSTRAP_KUBELET_CONF} --kubeconfig=/etc/kubernetes/kubelet.conf --config=${KUBELET_CONFIG_YAML}, or join with --self-tls-bootstrap)`

/** kubeadm's WaitForKubelet, at the address and port of the kubelet's configuration. */
export const awaitHealthy = (timeout: Parameters<typeof waitForKubeletHealthy>[1]) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const kubeletYaml = yield* Effect.either(fs.readText(KUBELET_CONFIG_YAML))
    yield* waitForKubeletHealthy(
      Either.getOrElse(kubeletYaml, () => ""),
      timeout
    )
  })

/** The external layer's service, its methods bound to the layer's context. */
export const make = Effect.gen(function* () {
  const context = yield* Effect.context<RootFs | Output | Host | Crypto | Health>()
  const service: KubeletBootstrapService = {
    // the kubelet bootstraps once the init system (re)starts it
    beforeKubeletStart: () => Effect.void,
    awaitHealthy: (timeout) => awaitHealthy(timeout).pipe(Effect.provide(context)),
    awaitBootstrap: (input) =>
      Effect.gen(function* () {
        const out = yield* Output
        // a resumed join's kubelet finished its bootstrap already: the wait returns at once
        const resumed = input.existing === "ours"
        const hint = input.started === false && !resumed ? NO_KUBELET_HINT : ""
        if (!resumed) {
          yield* out.info(
            `[${input.phase}] Waiting for the kubelet to perform the TLS Bootstrap${input.currentWording === true ? "" : "..."}`
          )
          if (hint !== "") yield* out.info(`[${input.phase}] Waiting for an external kubelet${hint}`)
        }
        yield* waitForTlsBootstrap(input.timeout, hint)
      }).pipe(Effect.provide(context))
  }
  return service
})
