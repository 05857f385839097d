/**
 * Waiting for the kubelet: its /healthz (current kubeadm's kubelet-wait-bootstrap),
 * its TLS bootstrap to finish (kubelet.conf usable), and then annotating the Node
 * with its CRI socket. They poll with a short interval (no fixed 5s sleeps) and say
 * what they are waiting for.
 */
import { Clock, Duration, Effect, Either, Option, Schedule } from "effect"
import { Crypto } from "../crypto/crypto.js"
import { KUBELET_CLIENT_CURRENT } from "../kubeconfig/kubeconfig.js"
import { loadKubeconfig, requireCredentials } from "../kubeconfig/load.js"
import { isRetryable, KubeApi, type KubeApiError } from "../kube-api/kube-api.js"
import { Output } from "../output.js"
import { Host } from "../host/host.js"
import { RootFs } from "../rootfs/rootfs.js"
import { KubeletError } from "./errors.js"
import { CRI_SOCKET_ANNOTATION, KUBELET_CONF } from "./files.js"
import { goDuration } from "../discovery/duration.js"
import { untilHealthy } from "../health/poll.js"
import { parse } from "yaml"
import { awaiting, observed } from "../events/events.js"

/** Where the kubelet serves /healthz, from its KubeletConfiguration (kubelet defaults: 127.0.0.1:10248; port 0 turns it off). */
export const kubeletHealthz = (kubeletConfigYaml: string): { readonly address: string; readonly port: number } => {
  const doc = (() => {
    try {
      return parse(kubeletConfigYaml, { logLevel: "error" }) as Record<string, unknown> | null
    } catch {
      return null
    }
  })()
  const address =
    typeof doc?.["healthzBindAddress"] === "string" && doc["healthzBindAddress"] !== ""
      ? doc["healthzBindAddress"]
      : "127.0.0.1"
  const port = typeof doc?.["healthzPort"] === "number" ? doc["healthzPort"] : 10248
  return { address, port }
}

/** kubeadm's WaitForKubelet: GET http://<healthzBindAddress>:<healthzPort>/healthz until 200. */
export const waitForKubeletHealthy = (kubeletConfigYaml: string, timeout: Duration.Duration) =>
  Effect.gen(function* () {
    const out = yield* Output
    const { address, port } = kubeletHealthz(kubeletConfigYaml)
    if (port === 0) {
      yield* out.info("[kubelet-check] Skipping the kubelet health check because the healthz port is set to 0")
      return
    }
    const url = `http://${address.includes(":") ? `[${address}]` : address}:${port}/healthz`
    yield* out.info(
      `[kubelet-check] Waiting for a healthy kubelet at ${url}. This can take up to ${goDuration(timeout)}`
    )
    const [took, failed] = yield* Effect.timed(
      untilHealthy(url, timeout).pipe(awaiting({ awaiting: `a healthy kubelet at ${url}`, deadline: timeout }))
    )
    if (Option.isSome(failed)) {
      yield* out.info(`[kubelet-check] The kubelet is not healthy after ${goDuration(took)}`)
      return yield* new KubeletError({ reason: "Unhealthy", url, detail: failed.value })
    }
    yield* out.info(`[kubelet-check] The kubelet is healthy after ${goDuration(took)}`)
  })

/** What is still missing for kubelet.conf to be usable, or None when it is. */
export const bootstrapPending = Effect.gen(function* () {
  const fs = yield* RootFs
  const crypto = yield* Crypto
  if (!(yield* Effect.orElseSucceed(fs.exists(KUBELET_CONF), () => false))) {
    const host = yield* Host
    const running = yield* host.processRunning("kubelet")
    return Option.some(
      running
        ? `${KUBELET_CONF} does not exist yet: the kubelet is running but has not finished its TLS bootstrap (CSR not yet approved?)`
        : `${KUBELET_CONF} does not exist yet: no kubelet process is running on this machine`
    )
  }
  const loaded = yield* Effect.either(
    Effect.flatMap(loadKubeconfig(KUBELET_CONF), (k) => requireCredentials(KUBELET_CONF, k))
  )
  if (Either.isLeft(loaded)) {
    return Option.some(
      `${KUBELET_CONF} is written but not usable yet (its client certificate ${KUBELET_CLIENT_CURRENT} is not issued: CSR not yet approved?): ${loaded.left.cause.message}`
    )
  }
  const user = loaded.right.users[0]?.value
  const cert = user?.clientCertificateData
  if (cert === undefined) return Option.none()
  const parsed = yield* Effect.either(crypto.parseCertificate(cert))
  if (Either.isLeft(parsed))
    return Option.some(`the client certificate in ${KUBELET_CONF} cannot be parsed yet: ${parsed.left.message}`)
  return Option.none<string>()
})

/** Polls (100ms growing to 1s) until kubelet.conf is usable; reports what is pending every ~10s. */
export const waitForTlsBootstrap = (timeout: Duration.Duration, hint: string) =>
  Effect.gen(function* () {
    const out = yield* Output
    const started = yield* Clock.currentTimeMillis
    let lastReport = started
    const poll = Effect.gen(function* () {
      const pending = yield* bootstrapPending
      if (Option.isNone(pending)) return Option.none<string>()
      yield* observed(pending.value)
      const now = yield* Clock.currentTimeMillis
      if (now - lastReport >= 10_000) {
        lastReport = now
        yield* out.info(`[kubelet-start] Still waiting after ${Math.round((now - started) / 1000)}s: ${pending.value}`)
      }
      return pending
    })
    const first = yield* poll
    if (Option.isNone(first)) return
    yield* out.detail(1, `[kubelet-start] Pending: ${first.value}`)
    const result = yield* poll.pipe(
      Effect.repeat({
        schedule: Schedule.exponential("100 millis", 1.5).pipe(Schedule.either(Schedule.spaced("1 second"))),
        until: (p) => Option.isNone(p)
      }),
      Effect.timeoutOption(timeout),
      awaiting({ awaiting: "the kubelet's TLS bootstrap (a usable kubelet.conf)", deadline: timeout })
    )
    if (Option.isNone(result)) {
      const pending = yield* bootstrapPending
      return yield* Effect.fail(
        new KubeletError({
          reason: "TlsBootstrapTimeout",
          timeout: goDuration(timeout),
          detail: Option.getOrElse(pending, () => "unknown") + hint
        })
      )
    }
  })

/** kubeadm's wait for the TLS bootstrap (v1beta4 default of timeouts.tlsBootstrap). */
export const TLS_BOOTSTRAP_TIMEOUT = Duration.minutes(5)
/** kubeadm's default of timeouts.kubeletHealthCheck. */
export const KUBELET_HEALTH_TIMEOUT = Duration.minutes(4)
/** How long to wait for the kubelet to register its Node before the CRI-socket annotation. */
export const NODE_REGISTRATION_WAIT = Duration.minutes(1)

/**
 * Failures worth waiting out while the kubelet registers its Node: not there (or not
 * labelled) yet, the API server not answering yet, or a transient server error. A 401/403,
 * a TLS failure or a malformed answer will not heal by waiting.
 */
const registrationPending = (e: KubeApiError | "unlabelled"): boolean =>
  e === "unlabelled" || e.reason === "NotFound" || e.reason === "Unreachable" || isRetryable(e)

/**
 * Adds `kubeadm.alpha.kubernetes.io/cri-socket` to the Node, with the node's own
 * credentials (kubelet.conf). Waits for the kubelet to register the Node (and its
 * hostname label); a 409 is retried. Returns false when the Node never appeared;
 * fails at once when the API refuses the read (credentials, TLS).
 */
export const annotateCriSocket = (nodeName: string, criSocket: string, waitFor: Duration.Duration) =>
  Effect.gen(function* () {
    const api = yield* KubeApi
    const out = yield* Output
    const kubeconfig = yield* Effect.mapError(
      loadKubeconfig(KUBELET_CONF),
      (e) => new KubeletError({ reason: "CriSocketAnnotationFailed", node: nodeName, detail: e.message, cause: e })
    )
    const client = yield* Effect.mapError(
      api.client(kubeconfig),
      (e) => new KubeletError({ reason: "CriSocketAnnotationFailed", node: nodeName, detail: e.message, cause: e })
    )
    const registered = client
      .getNode(nodeName)
      .pipe(
        Effect.flatMap((n) =>
          n.metadata.labels?.["kubernetes.io/hostname"] !== undefined
            ? Effect.succeed(n)
            : Effect.fail<KubeApiError | "unlabelled">("unlabelled")
        )
      )
    const node = yield* registered.pipe(
      Effect.retry({
        schedule: Schedule.exponential("200 millis", 1.5).pipe(Schedule.either(Schedule.spaced("2 seconds"))),
        while: registrationPending
      }),
      Effect.timeoutOption(waitFor),
      // the schedule never ends: only a failure that waiting cannot fix gets here
      Effect.mapError(
        (e) =>
          new KubeletError({
            reason: "CriSocketAnnotationFailed",
            node: nodeName,
            cause: e,
            detail:
              e === "unlabelled"
                ? "the Node has no kubernetes.io/hostname label"
                : `reading the Node with the kubelet's credentials (${KUBELET_CONF}) failed: ${e.message}`
          })
      )
    )
    if (Option.isNone(node)) {
      yield* out.warn(
        `[kubelet-start] WARNING: Node "${nodeName}" was not registered within ${goDuration(waitFor)}; the ${CRI_SOCKET_ANNOTATION} annotation was not added`
      )
      return false
    }
    if (node.value.metadata.annotations?.[CRI_SOCKET_ANNOTATION] === criSocket) return true
    yield* client.patchNode(nodeName, { metadata: { annotations: { [CRI_SOCKET_ANNOTATION]: criSocket } } }).pipe(
      Effect.tapError((e) =>
        e.reason === "Conflict"
          ? out.info("Temporarily unable to update node metadata due to conflict (will retry)")
          : Effect.void
      ),
      Effect.retry({
        schedule: Schedule.spaced("300 millis").pipe(Schedule.intersect(Schedule.recurs(10))),
        while: (e) => e.reason === "Conflict"
      }),
      Effect.mapError(
        (e) => new KubeletError({ reason: "CriSocketAnnotationFailed", node: nodeName, detail: e.message, cause: e })
      )
    )
    yield* out.detail(1, `[kubelet-start] Annotated Node "${nodeName}" with ${CRI_SOCKET_ANNOTATION}=${criSocket}`)
    return true
  })
