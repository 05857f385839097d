/**
 * File discovery (spec §3, current behaviour): a kubeconfig from a local file
 * (inside the rootfs) or from an `https://` URL verified with the host's CA
 * bundle found inside the rootfs. `http://` is refused. The file's cluster is
 * then checked against the API server itself: a TLS failure there means the file
 * does not describe that server.
 */
import { Duration, Effect, Either, Option } from "effect"
import type { FileDiscovery } from "../config/model.js"
import {
  type Kubeconfig,
  parseKubeconfig,
  selectCluster,
  selectUser,
  simpleKubeconfig
} from "../kubeconfig/kubeconfig.js"
import { KubeApi } from "../kube-api/kube-api.js"
import { Output } from "../output.js"
import { MAX_USER_YAML_BYTES, RootFs } from "../rootfs/rootfs.js"
import { causeText } from "../cause-text.js"
import { httpsGet } from "../internal/discovery/https-get.js"
import { DiscoveryError } from "./errors.js"
import type { DiscoveredCluster } from "./token.js"
import { goDuration } from "./duration.js"
import { discoveryRetrySchedule } from "./retry.js"

/** Where distributions keep the system CA bundle (first found wins), as Go's crypto/x509 looks. */
export const CA_BUNDLE_PATHS = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/tls/cacert.pem",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem"
] as const

/** The host CA bundle inside the rootfs. */
export const systemCaBundle = Effect.gen(function* () {
  const fs = yield* RootFs
  for (const path of CA_BUNDLE_PATHS) {
    const text = yield* Effect.option(fs.readText(path))
    if (Option.isSome(text) && text.value.includes("BEGIN CERTIFICATE")) return Option.some({ path, pem: text.value })
  }
  return Option.none<{ path: string; pem: string }>()
})

const loadSource = (source: string) =>
  Effect.gen(function* () {
    if (/^https:\/\//i.test(source)) {
      const bundle = yield* systemCaBundle
      if (Option.isNone(bundle)) {
        return yield* Effect.fail(
          new DiscoveryError({
            reason: "File",
            source,
            detail: `no CA bundle found inside the root filesystem to verify the URL (looked at ${CA_BUNDLE_PATHS.join(", ")})`
          })
        )
      }
      return yield* Effect.mapError(
        // The body is a kubeconfig, parsed as YAML: the same cap as a local discovery file.
        httpsGet(source, bundle.value.pem, Duration.seconds(10), MAX_USER_YAML_BYTES),
        (cause) => new DiscoveryError({ reason: "File", source, detail: causeText(cause), cause })
      )
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      return yield* Effect.fail(
        new DiscoveryError({ reason: "File", source, detail: "if a URL is used, the scheme must be https" })
      )
    }
    const fs = yield* RootFs
    return yield* Effect.mapError(
      fs.readText(source, { maxBytes: MAX_USER_YAML_BYTES }),
      (e) => new DiscoveryError({ reason: "File", source, detail: e.message, cause: e })
    )
  })

/** File discovery: the cluster, its CA and maybe credentials come from a kubeconfig at a path in the rootfs or an https URL. */
export const fileDiscovery = (
  input: FileDiscovery,
  timeout: Duration.Duration
): Effect.Effect<DiscoveredCluster, DiscoveryError, KubeApi | RootFs | Output> =>
  Effect.gen(function* () {
    const source = input.kubeConfigPath
    const out = yield* Output
    const text = yield* loadSource(source)
    const parsed = parseKubeconfig(text)
    if (Either.isLeft(parsed))
      return yield* Effect.fail(
        new DiscoveryError({ reason: "File", source, detail: `not a kubeconfig: ${parsed.left.message}` })
      )
    const file = parsed.right
    if (file.clusters.length === 0) {
      return yield* Effect.fail(
        new DiscoveryError({
          reason: "Invalid",
          detail: "the provided cluster-info kubeconfig file must have at least one Cluster defined"
        })
      )
    }
    const cluster = selectCluster(file)
    if (cluster === undefined) {
      return yield* Effect.fail(
        new DiscoveryError({
          reason: "Invalid",
          detail:
            "the provided cluster-info kubeconfig file must have an unnamed Cluster or a CurrentContext that specifies a non-nil Cluster"
        })
      )
    }
    if (cluster.value.server === "")
      return yield* Effect.fail(
        new DiscoveryError({ reason: "Invalid", detail: `no server found for cluster "${cluster.name}"` })
      )
    let caPem = cluster.value.certificateAuthorityData
    if (caPem === undefined && cluster.value.certificateAuthority !== undefined && !/^https:/i.test(source)) {
      const fs = yield* RootFs
      caPem = yield* Effect.mapError(
        fs.readText(cluster.value.certificateAuthority),
        (e) => new DiscoveryError({ reason: "File", source, detail: e.message, cause: e })
      )
    }
    if (caPem === undefined) {
      return yield* Effect.fail(
        new DiscoveryError({
          reason: "File",
          source,
          detail: `cluster "${cluster.name}" has no certificate authority data`
        })
      )
    }
    const server = cluster.value.server
    const user = selectUser(file)
    const hasCredentials =
      user !== undefined && (user.value.token !== undefined || user.value.clientCertificateData !== undefined)
    if (hasCredentials) {
      yield* out.detail(
        1,
        "[discovery] Using authentication credentials from the discovery file for validating TLS connection"
      )
    } else {
      yield* out.detail(
        1,
        "[discovery] Discovery file does not contains authentication credentials, using unauthenticated request for validating TLS connection"
      )
    }

    // Prove the file describes the server: a TLS-verified request must succeed (any HTTP answer will do).
    const api = yield* KubeApi
    const probe = simpleKubeconfig({
      clusterName: "kubernetes",
      cluster: { server, certificateAuthorityData: caPem },
      userName: "",
      user: {},
      contextName: "@kubernetes"
    })
    const client = yield* Effect.mapError(
      api.client(probe),
      (e) => new DiscoveryError({ reason: "Unreachable", endpoint: server, detail: e.detail, cause: e })
    )
    yield* out.detail(1, `[discovery] Created cluster-info discovery client, requesting info from "${server}"`)
    const check = client.getConfigMap("kube-public", "cluster-info").pipe(
      Effect.map(Option.some),
      Effect.catchAll((e) => {
        if (e.reason === "TLSError")
          return Effect.fail(new DiscoveryError({ reason: "TlsFailure", endpoint: server, detail: e.detail, cause: e }))
        // The TLS handshake already proved the server; a refused read only means no refresh (a klog warning in kubeadm).
        if (e.status === 403) {
          return Effect.as(
            out.warn(
              "[discovery] Could not access the cluster-info ConfigMap for refreshing the cluster-info information, but the TLS cert is valid so proceeding..."
            ),
            Option.none()
          )
        }
        if (e.status >= 400 && e.status < 500) return Effect.succeed(Option.none())
        return Effect.fail(new DiscoveryError({ reason: "Unreachable", endpoint: server, detail: e.detail, cause: e }))
      }),
      Effect.tapError((e) =>
        e.reason === "Unreachable"
          ? out.detail(1, `[discovery] Error reading the cluster-info ConfigMap, will try again: ${e.detail ?? ""}`)
          : Effect.void
      ),
      Effect.retry({
        schedule: discoveryRetrySchedule,
        while: (e) => e.reason === "Unreachable"
      }),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new DiscoveryError({ reason: "Timeout", timeout: goDuration(timeout) })
      })
    )
    const clusterInfo = yield* check
    if (Option.isSome(clusterInfo)) {
      const raw = clusterInfo.value.data["kubeconfig"] ?? ""
      const info = raw === "" ? Either.left(new Error("no kubeconfig key in ConfigMap")) : parseKubeconfig(raw)
      if (Either.isLeft(info)) {
        yield* out.detail(
          1,
          `[discovery] The cluster-info ConfigMap isn't set up properly (${info.left.message}), but the TLS cert is valid so proceeding...`
        )
      }
      const infoServer = Either.isRight(info) ? selectCluster(info.right)?.value.server : undefined
      if (infoServer !== undefined && infoServer !== server) {
        yield* out.warn(
          `[discovery] the API Server endpoint "${server}" in use is different from the endpoint "${infoServer}" which defined in the cluster-info ConfigMap`
        )
      }
    }
    const kubeconfig: Kubeconfig = simpleKubeconfig({
      clusterName: "kubernetes",
      cluster: { server, certificateAuthorityData: caPem },
      userName: user?.name ?? "",
      user: user?.value ?? {},
      contextName: "kubernetes"
    })
    return {
      server,
      caPem,
      kubeconfig,
      ...(hasCredentials ? { credentials: kubeconfig } : {})
    }
  })
