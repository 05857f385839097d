/**
 * Token discovery (spec §2, with current kubeadm's fixes): read
 * `kube-public/cluster-info` anonymously without verifying TLS, check the JWS the
 * bootstrap signer made with this token, pin the CA it carries against ALL given
 * hashes, then read it again over TLS verified with that CA and require the very
 * same bytes. The bootstrap token itself is never sent during any of this.
 *
 * Better than kubeadm: a wrong hash, a bad signature, a TLS failure or a changed
 * cluster-info fail at once with their own error instead of being retried into a
 * 5-minute timeout; only "cannot reach" and (for a short grace period) a missing
 * JWS are retried, with a jittered backoff instead of fixed 5s sleeps.
 */
import { Clock, Duration, Effect, Either, Option, Ref } from "effect"
import type { BootstrapTokenDiscovery } from "../config/model.js"
import { parseCaCertHash } from "../config/formats.js"
import { Crypto } from "../crypto/crypto.js"
import { type Kubeconfig, parseKubeconfig, simpleKubeconfig } from "../kubeconfig/kubeconfig.js"
import { KubeApi, type KubeApiError, type KubeClient } from "../kube-api/kube-api.js"
import { Output } from "../output.js"
import { DiscoveryError } from "./errors.js"
import { goDuration } from "./duration.js"
import { discoveryRetrySchedule } from "./retry.js"

/** What discovery hands on: the verified cluster (server and CA) from cluster-info. */
export interface DiscoveredCluster {
  /** The server named inside cluster-info (not necessarily the endpoint asked). */
  readonly server: string
  readonly caPem: string
  /** The whole verified kubeconfig. */
  readonly kubeconfig: Kubeconfig
  /** The user's kubeconfig credentials, when file discovery supplied some. */
  readonly credentials?: Kubeconfig
}

/** How long a freshly created token may lack its JWS before we say it is invalid. */
export const JWS_GRACE = Duration.seconds(15)

/** No CA: the first, unverified read (the client is then asked for explicitly as insecure). */
const anonymous = (endpoint: string, caPem: string | undefined): Kubeconfig =>
  simpleKubeconfig({
    clusterName: "kubernetes",
    cluster:
      caPem === undefined
        ? { server: `https://${endpoint}` }
        : { server: `https://${endpoint}`, certificateAuthorityData: caPem },
    userName: "token-bootstrap-client",
    user: {},
    contextName: "token-bootstrap-client@kubernetes"
  })

/**
 * The certificates of `bundlePem` whose pin is in `pins`, as their original PEM text
 * (byte for byte, so a single pinned CA is written to ca.crt exactly as the cluster has it).
 * `seen` holds the pins of the bundle's certificates in order (Crypto.caCertHashes).
 */
export const pinnedCertificates = (
  bundlePem: string,
  seen: ReadonlyArray<string>,
  pins: ReadonlyArray<string>
): string =>
  seen.every((s) => pins.includes(s))
    ? bundlePem
    : [...bundlePem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)]
        .filter((_, i) => pins.includes(seen[i] ?? ""))
        .map((m) => (m[0].endsWith("\n") ? m[0] : m[0] + "\n"))
        .join("")

/** The kubeconfig with its (single) cluster's CA replaced. */
const withCa = (k: Kubeconfig, caPem: string): Kubeconfig => ({
  ...k,
  clusters: k.clusters.map((c) => ({ ...c, value: { ...c.value, certificateAuthorityData: caPem } }))
})

/** Maps a failed cluster-info read to the discovery error that explains it. */
const readError =
  (endpoint: string, verified: boolean) =>
  (e: KubeApiError): DiscoveryError => {
    switch (e.reason) {
      case "TLSError":
        return new DiscoveryError({
          reason: verified ? "TlsFailure" : "Unreachable",
          endpoint,
          detail: e.detail,
          cause: e
        })
      case "NotFound":
        return new DiscoveryError({
          reason: "Invalid",
          detail:
            "there is no cluster-info ConfigMap in the kube-public namespace. This API Server isn't set up for token bootstrapping, can't connect"
        })
      case "Unauthorized":
      case "Forbidden":
        return new DiscoveryError({
          reason: "Invalid",
          detail: `the cluster-info ConfigMap is not readable anonymously (${e.detail}). This API Server isn't set up for token bootstrapping, can't connect`
        })
      case "BadResponse":
        // Not retried: an oversized or malformed answer is not a server still starting up.
        return new DiscoveryError({
          reason: "Invalid",
          detail: `couldn't read the cluster-info ConfigMap from "${endpoint}": ${e.detail}`
        })
      default:
        return new DiscoveryError({ reason: "Unreachable", endpoint, detail: e.detail, cause: e })
    }
  }

const readClusterInfo = (client: KubeClient, endpoint: string, verified: boolean) =>
  client.getConfigMap("kube-public", "cluster-info").pipe(Effect.mapError(readError(endpoint, verified)))

/** Token discovery: fetches cluster-info anonymously, checks its JWS with the token and its CA against the pins, then reconnects over TLS. */
export const tokenDiscovery = (
  input: BootstrapTokenDiscovery,
  timeout: Duration.Duration
): Effect.Effect<DiscoveredCluster, DiscoveryError, KubeApi | Crypto | Output> =>
  Effect.gen(function* () {
    const api = yield* KubeApi
    const crypto = yield* Crypto
    const out = yield* Output
    const endpoint = input.apiServerEndpoint

    const pins: Array<string> = []
    for (const hash of input.caCertHashes) {
      const parsed = parseCaCertHash(hash)
      if ("error" in parsed)
        return yield* Effect.fail(new DiscoveryError({ reason: "MalformedPin", detail: parsed.error }))
      pins.push(parsed.pin)
    }
    const dot = input.token.indexOf(".")
    const tokenId = input.token.slice(0, dot)
    const tokenSecret = input.token.slice(dot + 1)

    const started = yield* Clock.currentTimeMillis
    const graceEnd = started + Math.min(Duration.toMillis(JWS_GRACE), Duration.toMillis(timeout))
    const last = yield* Ref.make<Option.Option<DiscoveryError>>(Option.none())

    const attempt = Effect.gen(function* () {
      yield* out.detail(
        1,
        `[discovery] Created cluster-info discovery client, requesting info from "https://${endpoint}"`
      )
      const insecure = yield* Effect.mapError(
        api.client(anonymous(endpoint, undefined), { insecureSkipTlsVerify: true }),
        readError(endpoint, false)
      )
      const first = yield* readClusterInfo(insecure, endpoint, false)
      const content = first.data["kubeconfig"]
      if (content === undefined || content === "") {
        return yield* Effect.fail(
          new DiscoveryError({
            reason: "Invalid",
            detail:
              "there is no kubeconfig key in the cluster-info ConfigMap. This API Server isn't set up for token bootstrapping, can't connect"
          })
        )
      }
      const jws = first.data[`jws-kubeconfig-${tokenId}`]
      if (jws === undefined || jws === "") {
        yield* out.detail(
          1,
          `[discovery] Waiting for the cluster-info ConfigMap to receive a JWS signature for token ID "${tokenId}"`
        )
        return yield* Effect.fail(new DiscoveryError({ reason: "NoJws", tokenId }))
      }
      if (!(yield* crypto.jwsVerify(content, jws, tokenId, tokenSecret)))
        return yield* Effect.fail(new DiscoveryError({ reason: "BadSignature", tokenId }))
      const parsed = parseKubeconfig(content)
      if (Either.isLeft(parsed)) {
        return yield* Effect.fail(
          new DiscoveryError({
            reason: "Invalid",
            detail: `couldn't parse the kubeconfig file in the cluster-info ConfigMap: ${parsed.left.message}`
          })
        )
      }
      const kubeconfig = parsed.right
      const cluster = kubeconfig.clusters.length === 1 ? kubeconfig.clusters[0] : undefined
      if (cluster === undefined) {
        return yield* Effect.fail(
          new DiscoveryError({
            reason: "Invalid",
            detail: `expected the kubeconfig file in the cluster-info ConfigMap to have a single cluster, but it had ${kubeconfig.clusters.length}`
          })
        )
      }
      // Without a CA every later verified connection would trust the public roots instead.
      const caPem = cluster.value.certificateAuthorityData ?? ""
      if (caPem.trim() === "")
        return yield* Effect.fail(
          new DiscoveryError({ reason: "Invalid", detail: "the cluster-info ConfigMap carries no CA certificate" })
        )
      if (pins.length === 0) {
        yield* out.detail(
          1,
          `[discovery] Cluster info signature and contents are valid and no TLS pinning was specified, will use API Server "${endpoint}"`
        )
        return { server: cluster.value.server, caPem, kubeconfig }
      }
      const seen = yield* Effect.mapError(
        crypto.caCertHashes(caPem),
        (e) =>
          new DiscoveryError({
            reason: "Invalid",
            detail: `failed to parse cluster CA from the cluster-info ConfigMap: ${e.message}`,
            cause: e
          })
      )
      if (seen.length === 0)
        return yield* Effect.fail(
          new DiscoveryError({ reason: "Invalid", detail: "the cluster-info ConfigMap carries no CA certificate" })
        )
      if (!seen.some((s) => pins.includes(s)))
        return yield* Effect.fail(new DiscoveryError({ reason: "PinMismatch", seen, pinned: pins }))
      // Better than kubeadm, which then trusts (and writes to ca.crt) the whole bundle: a CA the
      // server added next to the pinned one would vouch for any server. Only pinned ones are kept.
      const pinnedPem = pinnedCertificates(caPem, seen, pins)

      yield* out.detail(
        1,
        `[discovery] Requesting info from "https://${endpoint}" again to validate TLS against the pinned public key`
      )
      const secure = yield* Effect.mapError(api.client(anonymous(endpoint, pinnedPem)), readError(endpoint, true))
      const second = yield* readClusterInfo(secure, endpoint, true)
      if (second.data["kubeconfig"] !== content) return yield* Effect.fail(new DiscoveryError({ reason: "Changed" }))
      yield* out.detail(
        1,
        `[discovery] Cluster info signature and contents are valid and TLS certificate validates against pinned roots, will use API Server "${endpoint}"`
      )
      return { server: cluster.value.server, caPem: pinnedPem, kubeconfig: withCa(kubeconfig, pinnedPem) }
    })

    const retryable = (e: DiscoveryError) =>
      Effect.map(
        Clock.currentTimeMillis,
        (now) => e.reason === "Unreachable" || (e.reason === "NoJws" && now < graceEnd)
      )

    yield* out.detail(1, `[discovery] Trying to connect to API Server "${endpoint}"`)
    const result = yield* attempt.pipe(
      Effect.tapError((e) =>
        Effect.zipRight(
          Ref.set(last, Option.some(e)),
          e.reason === "Unreachable"
            ? out.detail(1, `[discovery] Retrying due to error: ${e.detail ?? ""}`)
            : Effect.void
        )
      ),
      Effect.retry({
        schedule: discoveryRetrySchedule,
        while: retryable
      }),
      Effect.timeoutOption(timeout)
    )
    if (Option.isNone(result)) {
      const lastError = yield* Ref.get(last)
      // Say what kept failing, with its own tag; plain timeout only when nothing was learned.
      if (Option.isSome(lastError)) {
        const e = lastError.value
        if (e.reason === "Unreachable") {
          return yield* Effect.fail(
            new DiscoveryError({
              reason: "Unreachable",
              endpoint,
              detail: `${e.detail ?? ""} (still failing after ${goDuration(timeout)})`,
              cause: e.cause
            })
          )
        }
        if (e.reason === "NoJws") return yield* Effect.fail(e)
      }
      return yield* Effect.fail(
        new DiscoveryError({
          reason: "Timeout",
          timeout: goDuration(timeout),
          ...(Option.isSome(lastError) ? { last: lastError.value.message } : {})
        })
      )
    }
    yield* out.detail(1, `[discovery] Successfully established connection with API Server "${endpoint}"`)
    return result.value
  })
