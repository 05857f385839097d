/**
 * The kubelet's TLS bootstrap as a library: generate an ECDSA P-256 key, submit a CSR for
 * `system:node:<name>` / `system:nodes` with the bootstrap kubeconfig's credentials, watch it
 * until it is approved and issued (or denied, deleted, or the deadline passes), return key and
 * certificate. Every request goes through the KubeApi service, with its one retry policy.
 */
import { Duration, Effect, Option, Ref, Schedule, Stream } from "effect"
import { generateKeyPair, type KeyPair, privateKeyToPem } from "../crypto/keys.js"
import { createCsr } from "../crypto/lazy.js"
import {
  type CertificateSigningRequest,
  type CsrApiVersion,
  type CsrInput,
  KubeApi,
  type KubeApiError,
  type KubeClient
} from "../kube-api/kube-api.js"
import { type Kubeconfig, selectUser } from "../kubeconfig/kubeconfig.js"
import { TlsBootstrapError } from "./errors.js"
import { awaiting, observed } from "../events/events.js"

/** What the CSR is waiting for, as kubeadm says it. */
export type PendingDetail = "CSR not yet approved" | "CSR approved, certificate not yet issued"

/** Where the bootstrap is, for progress lines like kubeadm's "CSR not yet approved". */
export type BootstrapProgress =
  | { readonly kind: "csr-created"; readonly csrName: string }
  | { readonly kind: "pending"; readonly csrName: string; readonly detail: PendingDetail }
  | {
      readonly kind: "retrying"
      readonly request: string
      readonly attempt: number
      readonly delayMs: number
      readonly cause: string
    }
  | { readonly kind: "issued"; readonly csrName: string }

/** What the bootstrap needs. */
export interface TlsBootstrapOptions {
  /** The bootstrap kubeconfig: server, CA (inlined) and the bootstrap token or a client certificate. */
  readonly kubeconfig: Kubeconfig
  readonly nodeName: string
  /** Overall deadline; default 5 minutes. */
  readonly timeout?: Duration.DurationInput
  /** "v1" (current kubelets, with signerName) or "v1beta1" (the clusters before 1.19). Default "v1". */
  readonly apiVersion?: CsrApiVersion
  /** Reuse a key instead of generating one (ECDSA P-256 by default). */
  readonly keys?: KeyPair
  /** Retries of each request's retryable failures (KubeApi's policy; default 5). */
  readonly retries?: number
  readonly onProgress?: (p: BootstrapProgress) => Effect.Effect<void>
}

/** The issued credential. */
export interface TlsBootstrapResult {
  readonly csrName: string
  readonly keys: KeyPair
  /** `EC PRIVATE KEY` PEM, the form the kubelet writes. */
  readonly keyPem: string
  readonly certPem: string
  /** Certificate then key, the content of `kubelet-client-current.pem`. */
  readonly combinedPem: string
}

/** The signer of kubelet client certificates. */
export const KUBELET_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"

/** The CSR the kubelet submits (spec 6.4 step 2; usages per key type as current kubelets). */
export const kubeletCsr = (requestPem: string, keyKind: "ecdsa" | "rsa", apiVersion: CsrApiVersion): CsrInput => ({
  generateName: "csr-",
  request: requestPem,
  signerName: KUBELET_SIGNER,
  usages:
    keyKind === "rsa" || apiVersion === "v1beta1"
      ? ["digital signature", "key encipherment", "client auth"]
      : ["digital signature", "client auth"],
  apiVersion
})

type CsrState =
  | { readonly kind: "issued"; readonly certPem: string }
  | { readonly kind: "rejected"; readonly why: string }
  | { readonly kind: "pending"; readonly detail: PendingDetail }

const stateOf = (csr: CertificateSigningRequest): CsrState => {
  const conditions = csr.status?.conditions ?? []
  const bad = conditions.find((c) => c.type === "Denied" || c.type === "Failed")
  if (bad)
    return {
      kind: "rejected",
      why: `${bad.type}${bad.reason ? ` (${bad.reason})` : ""}${bad.message ? `: ${bad.message}` : ""}`
    }
  const approved = conditions.some((c) => c.type === "Approved")
  if (approved && csr.status?.certificate) return { kind: "issued", certPem: csr.status.certificate }
  return { kind: "pending", detail: approved ? "CSR approved, certificate not yet issued" : "CSR not yet approved" }
}

/** A watch that broke or was refused for a while is re-established after a fresh read, like an informer. */
const watchRecovers = (e: KubeApiError): boolean =>
  e.reason === "TooManyRequests" ||
  e.reason === "ServerError" ||
  e.reason === "ConnectionReset" ||
  e.reason === "Unreachable" ||
  e.reason === "Timeout" ||
  e.status === 410 ||
  e.status >= 500

/**
 * Waits for the CSR's certificate: a read (the current state and its resourceVersion), then a
 * watch from there; when the watch ends without an outcome, the next round starts after a pause.
 */
const awaitCertificate = (
  client: KubeClient,
  csrName: string,
  apiVersion: CsrApiVersion,
  report: (detail: PendingDetail) => Effect.Effect<void>,
  /** A read or watch failure that the next round retries (named by the timeout error if it comes). */
  recovered: (e: KubeApiError) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<string, TlsBootstrapError> => {
  const requestFailed = (cause: KubeApiError) => new TlsBootstrapError({ reason: "RequestFailed", csrName, cause })
  const deleted = new TlsBootstrapError({ reason: "Deleted", csrName })
  const decide = (csr: CertificateSigningRequest): Effect.Effect<Option.Option<string>, TlsBootstrapError> => {
    const s = stateOf(csr)
    switch (s.kind) {
      case "issued":
        return Effect.succeed(Option.some(s.certPem))
      case "rejected":
        return Effect.fail(new TlsBootstrapError({ reason: "Rejected", csrName, detail: s.why }))
      case "pending":
        return Effect.as(report(s.detail), Option.none())
    }
  }
  const round = Effect.gen(function* () {
    const current = yield* client
      .getCsr(csrName, apiVersion)
      .pipe(Effect.catchTag("KubeApiError", (e) => Effect.fail(e.reason === "NotFound" ? deleted : requestFailed(e))))
    const now = yield* decide(current)
    if (Option.isSome(now)) return now
    const resourceVersion = current.metadata.resourceVersion
    return yield* client
      .watchCsr(csrName, {
        apiVersion,
        timeoutSeconds: 60,
        ...(resourceVersion !== undefined ? { resourceVersion } : {})
      })
      .pipe(
        Stream.mapEffect((event) => (event.type === "DELETED" ? Effect.fail(deleted) : decide(event.object))),
        Stream.filter(Option.isSome),
        Stream.runHead,
        Effect.map(Option.flatten),
        Effect.catchTag("KubeApiError", (e) =>
          watchRecovers(e) ? Effect.as(recovered(e), Option.none<string>()) : Effect.fail(requestFailed(e))
        )
      )
  })
  // Rounds back off (200 ms, growing by half, at most 5 s): a server that keeps refusing the watch
  // is not asked several times a second until the deadline.
  const pause = Schedule.exponential("200 millis", 1.5).pipe(Schedule.union(Schedule.spaced("5 seconds")))
  const untilIssued = Schedule.identity<Option.Option<string>>().pipe(
    Schedule.whileInput(Option.isNone),
    Schedule.intersect(pause),
    Schedule.map(([cert]) => cert)
  )
  return Effect.repeat(round, untilIssued).pipe(Effect.flatMap((cert) => Effect.orDie(cert)))
}

/**
 * The CSR bootstrap. Only the typed bootstrap failures are errors; a crypto or programming
 * failure is a defect, reported as a bug rather than as a configuration problem.
 */
export const tlsBootstrap = (
  opts: TlsBootstrapOptions
): Effect.Effect<TlsBootstrapResult, TlsBootstrapError, KubeApi> =>
  Effect.gen(function* () {
    const progress = opts.onProgress ?? (() => Effect.void)
    const apiVersion = opts.apiVersion ?? "v1"
    const user = selectUser(opts.kubeconfig)?.value
    if (!user?.token && !user?.clientCertificateData) {
      return yield* new TlsBootstrapError({
        reason: "BadKubeconfig",
        detail: "it has no token and no client certificate"
      })
    }
    const keys = opts.keys ?? (yield* Effect.promise(() => generateKeyPair("ecdsa-p256")))
    const requestPem = yield* Effect.promise(() =>
      createCsr(keys, { commonName: `system:node:${opts.nodeName}`, organizations: ["system:nodes"] })
    )
    const api = yield* KubeApi
    const client = yield* api
      .client(opts.kubeconfig, {
        ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
        onRetry: (n) =>
          progress({
            kind: "retrying",
            request: n.op,
            attempt: n.attempt,
            delayMs: Math.round(Duration.toMillis(n.delay)),
            cause: `${n.error.status === 0 ? "" : `${n.error.status} `}${n.error.reason}`
          })
      })
      .pipe(
        Effect.catchTag("KubeApiError", (cause) =>
          Effect.fail(new TlsBootstrapError({ reason: "BadKubeconfig", cause }))
        )
      )

    // What the timeout error names: the CSR once created, and what it was last waiting for.
    const seen = yield* Ref.make<{
      readonly csrName?: string
      readonly pending?: PendingDetail
      /** The last watch failure retried: a timeout then names the server and the cause, not just the wait. */
      readonly lastFailure?: string
    }>({})
    const run = Effect.gen(function* () {
      const created = yield* client
        .createCsr(kubeletCsr(requestPem, keys.kind, apiVersion))
        .pipe(
          Effect.catchTag("KubeApiError", (cause) =>
            Effect.fail(new TlsBootstrapError({ reason: "RequestFailed", cause }))
          )
        )
      const csrName = created.metadata.name
      yield* Ref.set(seen, { csrName })
      yield* progress({ kind: "csr-created", csrName })
      const report = (detail: PendingDetail) =>
        Ref.modify(seen, (s) => [s.pending !== detail, { ...s, pending: detail }]).pipe(
          Effect.flatMap((changed) => (changed ? progress({ kind: "pending", csrName, detail }) : Effect.void)),
          Effect.zipRight(observed(`CSR "${csrName}": ${detail}`))
        )
      const recovered = (e: KubeApiError) => Ref.update(seen, (s) => ({ ...s, lastFailure: e.message }))
      const issued = yield* awaitCertificate(client, csrName, apiVersion, report, recovered)
      const keyPem = yield* Effect.promise(() => privateKeyToPem(keys.privateKey, "traditional"))
      const certPem = issued.endsWith("\n") ? issued : issued + "\n"
      yield* progress({ kind: "issued", csrName })
      return { csrName, keys, keyPem, certPem, combinedPem: certPem + keyPem }
    })
    const timedOut = Effect.flatMap(Ref.get(seen), (s) =>
      Effect.fail(
        new TlsBootstrapError({
          reason: "Timeout",
          ...(s.csrName !== undefined ? { csrName: s.csrName } : {}),
          ...(s.pending !== undefined || s.lastFailure !== undefined
            ? {
                detail: [s.pending, s.lastFailure !== undefined ? `last failure: ${s.lastFailure}` : undefined]
                  .filter((x) => x !== undefined)
                  .join("; ")
              }
            : {})
        })
      )
    )
    const deadline = opts.timeout ?? Duration.minutes(5)
    return yield* run.pipe(
      awaiting({ awaiting: "the node's certificate signing request to be approved and issued", deadline }),
      Effect.timeout(deadline),
      Effect.catchTag("TimeoutException", () => timedOut)
    )
  })
