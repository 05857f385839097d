/**
 * `KubeletBootstrap`: how the kubelet gets its client certificate, one service with two layers.
 *
 * - `layerExternal`: the kubelet does its own TLS bootstrap from bootstrap-kubelet.conf once the
 *   init system (re)starts it; the join waits for its /healthz and for a usable kubelet.conf.
 * - `layerInProcess` (`--self-tls-bootstrap`): the join does the CSR bootstrap itself before the
 *   kubelet starts, writes the files a kubelet writes and registers the Node; a resumed join
 *   whose machine already holds the Node's credentials does none of it again.
 *
 * The choice is made once, where the join's layers are assembled; the phases only call the service.
 */
import { Context, type Duration, Effect, Layer, Option } from "effect"
import type { Crypto } from "../crypto/crypto.js"
import type { Health } from "../health/health.js"
import type { Host } from "../host/host.js"
import * as external from "../internal/bootstrap/external.js"
import * as inProcess from "../internal/bootstrap/in-process.js"
import type { CsrApiVersion, KubeApi } from "../kube-api/kube-api.js"
import type { Kubeconfig } from "../kubeconfig/kubeconfig.js"
import type { KubeletError } from "../kubelet/errors.js"
import { BOOTSTRAP_KUBELET_CONF, KUBELET_CONF, KUBELET_CONFIG_YAML } from "../kubelet/files.js"
import type { NodeCheck } from "../kubelet/node-check.js"
import { annotateCriSocket, kubeletHealthz, NODE_REGISTRATION_WAIT } from "../kubelet/wait.js"
import { Output } from "../output.js"
import { RootFs } from "../rootfs/rootfs.js"

/** What kubelet-start knows when the kubelet's files are written. */
export interface BootstrapInput {
  /** The bootstrap kubeconfig (bootstrap-kubelet.conf's content). */
  readonly bootstrap: Kubeconfig
  readonly nodeName: string
  /** The cluster CA learned in discovery. */
  readonly caPem: string
  readonly csrApiVersion: CsrApiVersion
  /** What the check for an existing Node of this name found. */
  readonly existing: NodeCheck
  /** How long a bootstrap done here (in-process) may take: the configuration's `timeouts.tlsBootstrap`. */
  readonly timeout?: Duration.Duration
}

/** The wait for a usable kubelet.conf. */
export interface AwaitBootstrapInput {
  /** The prefix of the lines, e.g. `kubelet-start`. */
  readonly phase: string
  readonly timeout: Duration.Duration
  /** Whether an init system started the kubelet (known in kubelet-start only). */
  readonly started?: boolean
  /** What the Node check found (known in kubelet-start only). */
  readonly existing?: NodeCheck
  /** The cluster's kubeadm words its lines as current kubeadm does (no "..." after the wait line). */
  readonly currentWording?: boolean
}

/** The kubelet's TLS bootstrap, as the phases see it. */
export interface KubeletBootstrapService {
  /** kubelet-start, once the kubelet's files are written and before it is (re)started. */
  readonly beforeKubeletStart: (input: BootstrapInput) => Effect.Effect<void, KubeletError>
  /** kubelet-wait-bootstrap: the kubelet's /healthz, within `timeout`. */
  readonly awaitHealthy: (timeout: Duration.Duration) => Effect.Effect<void, KubeletError>
  /** Until kubelet.conf is usable, saying what it waits for. */
  readonly awaitBootstrap: (input: AwaitBootstrapInput) => Effect.Effect<void, KubeletError>
}

/** The Tag of the KubeletBootstrap service. */
export class KubeletBootstrap extends Context.Tag("@kubeadm-ts/join/KubeletBootstrap")<
  KubeletBootstrap,
  KubeletBootstrapService
>() {}

/** The kubelet bootstraps itself (kubeadm's behaviour): the default. */
export const layerExternal: Layer.Layer<KubeletBootstrap, never, RootFs | Output | Host | Crypto | Health> =
  Layer.effect(KubeletBootstrap, external.make)

/** The join bootstraps in-process (`--self-tls-bootstrap`). */
export const layerInProcess: Layer.Layer<KubeletBootstrap, never, RootFs | Output | Host | Crypto | Health | KubeApi> =
  Layer.effect(KubeletBootstrap, inProcess.make)

/**
 * The `--dry-run` KubeletBootstrap: no kubelet runs, so there is nothing to bootstrap or wait
 * for; it says what it would wait for (kubeadm's dry-run waiter) and succeeds at once.
 */
export const layerDryRun: Layer.Layer<KubeletBootstrap, never, RootFs | Output> = Layer.effect(
  KubeletBootstrap,
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    return {
      beforeKubeletStart: () => Effect.void,
      awaitHealthy: () =>
        Effect.gen(function* () {
          const config = yield* Effect.orElseSucceed(fs.readText(KUBELET_CONFIG_YAML), () => "")
          const { address, port } = kubeletHealthz(config)
          const host = address.includes(":") ? `[${address}]` : address
          yield* out.info(`[dryrun] Would make sure the kubelet returns 'ok' at http://${host}:${port}/healthz`)
        }),
      // What the kubelet would leave once bootstrapped; the bootstrap credentials stand in for its own
      // (the dry-run RootFs prints the write and keeps it in memory), so the steps after it can run.
      awaitBootstrap: () =>
        Effect.gen(function* () {
          yield* out.info("[kubelet-wait] Would wait for the kubelet to be bootstrapped")
          if (yield* Effect.orElseSucceed(fs.exists(KUBELET_CONF), () => false)) return
          const bootstrap = yield* Effect.option(fs.read(BOOTSTRAP_KUBELET_CONF))
          if (Option.isSome(bootstrap)) yield* Effect.ignore(fs.write(KUBELET_CONF, bootstrap.value, { mode: 0o600 }))
        })
    }
  })
)

/** A KubeletBootstrap for tests: each method not given dies, naming itself. */
export const layerTest = (partial: Partial<KubeletBootstrapService> = {}): Layer.Layer<KubeletBootstrap> =>
  Layer.succeed(KubeletBootstrap, {
    beforeKubeletStart: () => Effect.die("KubeletBootstrap.beforeKubeletStart was not expected by this test"),
    awaitHealthy: () => Effect.die("KubeletBootstrap.awaitHealthy was not expected by this test"),
    awaitBootstrap: () => Effect.die("KubeletBootstrap.awaitBootstrap was not expected by this test"),
    ...partial
  })

/**
 * The end of the TLS bootstrap, in kubelet-start (1.15 order) or kubelet-wait-bootstrap:
 * wait for a usable kubelet.conf, drop bootstrap-kubelet.conf (it holds the token; also
 * on failure), then, before NodeLocalCRISocket, annotate the Node with its CRI socket.
 */
export const finishTlsBootstrap = (
  input: AwaitBootstrapInput & {
    readonly nodeName: string
    readonly criSocket: string
    readonly behaviour: { readonly nodeLocalCriSocket: boolean; readonly currentWording?: boolean }
  }
) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const bootstrap = yield* KubeletBootstrap
    yield* bootstrap
      .awaitBootstrap({ ...input, currentWording: input.behaviour.currentWording === true })
      .pipe(Effect.ensuring(Effect.ignore(fs.remove(BOOTSTRAP_KUBELET_CONF))))
    // Before NodeLocalCRISocket the socket is remembered on the Node (which the kubelet must register first).
    if (!input.behaviour.nodeLocalCriSocket)
      yield* annotateCriSocket(input.nodeName, input.criSocket, NODE_REGISTRATION_WAIT).pipe(Effect.asVoid)
  })
