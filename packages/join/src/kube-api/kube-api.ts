/**
 * `KubeApi`: the Kubernetes API calls a join makes, on a client built from a
 * kubeconfig. The service is a factory (`client(kubeconfig)`) because a join talks
 * with several identities: anonymous and unverified (first cluster-info read),
 * anonymous and verified, the bootstrap token, then the node's own certificate.
 *
 * Every failure is a `KubeApiError` with the HTTP status (0 when there was no
 * answer) and a reason. Retryable failures (5xx, 429 with Retry-After, resets,
 * timeouts) are retried on a jittered exponential schedule; 4xx never are.
 */
import { Context, Data, Duration, Effect, Schedule } from "effect"
import type { Kubeconfig } from "../kubeconfig/kubeconfig.js"

export type KubeApiReason =
  | "NotFound"
  | "Unauthorized"
  | "Forbidden"
  | "Conflict"
  | "AlreadyExists"
  | "Invalid"
  | "TooManyRequests"
  | "ServerError"
  | "OtherStatus"
  /** No answer: refused, unreachable, name not resolved. */
  | "Unreachable"
  /** The connection broke mid-way (reset, hang-up). */
  | "ConnectionReset"
  /** TLS handshake failed: untrusted certificate, wrong host name, ... */
  | "TLSError"
  | "Timeout"
  /** A malformed answer. */
  | "BadResponse"

export class KubeApiError extends Data.TaggedError("KubeApiError")<{
  /** What was attempted, e.g. `get ConfigMap kube-public/cluster-info`. */
  readonly op: string
  readonly server: string
  readonly status: number
  readonly reason: KubeApiReason
  readonly detail: string
  /** Seconds from a Retry-After header. */
  readonly retryAfter?: number
}> {
  override get message() {
    return `failed to ${this.op} from ${this.server}: ${this.detail}`
  }
}

export const isRetryable = (e: KubeApiError): boolean =>
  e.reason === "TooManyRequests" ||
  e.reason === "ServerError" ||
  e.reason === "ConnectionReset" ||
  e.reason === "Timeout" ||
  (e.reason === "OtherStatus" && e.status >= 500)

export const reasonOfStatus = (status: number, statusReason?: string): KubeApiReason => {
  switch (status) {
    case 401:
      return "Unauthorized"
    case 403:
      return "Forbidden"
    case 404:
      return "NotFound"
    case 409:
      return statusReason === "AlreadyExists" ? "AlreadyExists" : "Conflict"
    case 422:
      return "Invalid"
    case 429:
      return "TooManyRequests"
    default:
      return status >= 500 ? "ServerError" : "OtherStatus"
  }
}

export interface ObjectMeta {
  readonly name: string
  readonly namespace?: string
  readonly generateName?: string
  readonly resourceVersion?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly creationTimestamp?: string
}

export interface ConfigMap {
  readonly metadata: ObjectMeta
  readonly data: Readonly<Record<string, string>>
}

export interface Secret {
  readonly metadata: ObjectMeta
  readonly type?: string
  /** Decoded values. */
  readonly data: Readonly<Record<string, Uint8Array>>
}

export interface Condition {
  readonly type: string
  readonly status?: string
  readonly reason?: string
  readonly message?: string
}

export interface NodeTaint {
  readonly key: string
  readonly value?: string
  readonly effect: string
}

export interface Node {
  readonly metadata: ObjectMeta
  readonly spec?: { readonly taints?: ReadonlyArray<NodeTaint> }
  readonly status?: { readonly conditions?: ReadonlyArray<Condition> }
}

export interface Pod {
  readonly metadata: ObjectMeta
}

export interface PolicyRule {
  readonly apiGroups: ReadonlyArray<string>
  readonly resources: ReadonlyArray<string>
  readonly resourceNames?: ReadonlyArray<string>
  readonly verbs: ReadonlyArray<string>
}

export interface Role {
  readonly metadata: ObjectMeta
  readonly rules: ReadonlyArray<PolicyRule>
}

export interface RoleBinding {
  readonly metadata: ObjectMeta
  readonly roleRef: { readonly apiGroup: string; readonly kind: string; readonly name: string }
  readonly subjects: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly apiGroup?: string; readonly namespace?: string }>
}

export interface CertificateSigningRequest {
  readonly metadata: ObjectMeta
  readonly spec: {
    /** PEM text of the CSR. */
    readonly request: string
    readonly signerName: string
    readonly usages: ReadonlyArray<string>
    readonly expirationSeconds?: number
  }
  readonly status?: {
    readonly conditions?: ReadonlyArray<Condition>
    /** PEM text of the issued certificate, once signed. */
    readonly certificate?: string
  }
}

export interface CsrSpecInput {
  readonly generateName: string
  readonly request: string
  readonly signerName: string
  readonly usages: ReadonlyArray<string>
}

/** A client bound to one identity and server. */
export interface KubeClient {
  readonly server: string
  readonly getConfigMap: (namespace: string, name: string) => Effect.Effect<ConfigMap, KubeApiError>
  /** PUT with the object's resourceVersion (409 Conflict when it changed meanwhile). */
  readonly updateConfigMap: (configMap: ConfigMap) => Effect.Effect<ConfigMap, KubeApiError>
  readonly listPods: (namespace: string, labelSelector: string) => Effect.Effect<ReadonlyArray<Pod>, KubeApiError>
  /** Create, or on AlreadyExists replace unconditionally (kubeadm's CreateOrUpdate). */
  readonly ensureRole: (role: Role) => Effect.Effect<void, KubeApiError>
  readonly ensureRoleBinding: (binding: RoleBinding) => Effect.Effect<void, KubeApiError>
  readonly getSecret: (namespace: string, name: string) => Effect.Effect<Secret, KubeApiError>
  readonly getNode: (name: string) => Effect.Effect<Node, KubeApiError>
  /** Registers a Node (what a kubelet does with its own credentials on first start). */
  readonly createNode: (node: { readonly name: string; readonly labels: Readonly<Record<string, string>> }) => Effect.Effect<Node, KubeApiError>
  /** Strategic-merge patch of a Node. */
  readonly patchNode: (name: string, patch: unknown) => Effect.Effect<Node, KubeApiError>
  readonly createCsr: (spec: CsrSpecInput) => Effect.Effect<CertificateSigningRequest, KubeApiError>
  readonly getCsr: (name: string) => Effect.Effect<CertificateSigningRequest, KubeApiError>
  /**
   * Waits (watch, re-established on drops) until `until` holds for the CSR, or
   * the deadline passes (KubeApiError with reason Timeout).
   */
  readonly watchCsr: (
    name: string,
    until: (csr: CertificateSigningRequest) => boolean,
    deadline: Duration.DurationInput
  ) => Effect.Effect<CertificateSigningRequest, KubeApiError>
}

export interface ClientOptions {
  /** Deadline of one HTTP attempt (default 10s, like kubeadm's client timeout). */
  readonly requestTimeout?: Duration.DurationInput
  /** Retries of retryable failures (default 5). 0 disables them. */
  readonly retries?: number
  /**
   * Skip verifying the server's certificate. Only token discovery's anonymous first read of
   * cluster-info sets this (its CA is not known yet); a client with credentials is refused.
   * A kubeconfig's own insecure-skip-tls-verify is never honoured.
   */
  readonly insecureSkipTlsVerify?: true
}

/**
 * Why a client must not be built, when credentials would go over an unverified connection (to
 * whoever answers): a kubeconfig that sets insecure-skip-tls-verify together with a token or a
 * client certificate, or an explicitly insecure client that carries them.
 */
export const insecureRefusal = (
  cluster: { readonly insecureSkipTlsVerify?: boolean | undefined },
  user: { readonly token?: string | undefined; readonly clientCertificateData?: string | undefined },
  options: ClientOptions | undefined
): string | undefined => {
  const credentials = user.token !== undefined || user.clientCertificateData !== undefined
  if (!credentials) return undefined
  if (cluster.insecureSkipTlsVerify === true) {
    return "the kubeconfig sets insecure-skip-tls-verify together with credentials (token or client certificate); refusing to send them to an unverified server"
  }
  if (options?.insecureSkipTlsVerify === true) return "an insecure (unverified) client may not carry credentials (token or client certificate)"
  return undefined
}

/** A verified client needs a CA: an empty one makes node:https trust the public roots instead. */
export const emptyCaRefusal = (
  cluster: { readonly certificateAuthorityData?: string | undefined },
  options: ClientOptions | undefined
): string | undefined =>
  options?.insecureSkipTlsVerify !== true && (cluster.certificateAuthorityData ?? "").trim() === ""
    ? "the kubeconfig has no certificate-authority-data to verify the server with (an empty CA would trust the public roots)"
    : undefined

export interface KubeApiService {
  /** A client for the current context of `kubeconfig` (CA and credentials inlined). */
  readonly client: (kubeconfig: Kubeconfig, options?: ClientOptions) => Effect.Effect<KubeClient, KubeApiError>
}

export class KubeApi extends Context.Tag("@kubeadm-ts/join/KubeApi")<KubeApi, KubeApiService>() {}

/**
 * The retry policy: exponential from 100ms, doubling, jittered, at most
 * `retries` times, only while the failure is retryable; a Retry-After is honoured
 * (as the lower bound of the pause).
 */
export const retrySchedule = (retries: number) =>
  Schedule.exponential("100 millis", 2).pipe(
    Schedule.either(Schedule.spaced("5 seconds")), // cap each pause at 5s before jitter
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(retries)),
    Schedule.intersect(Schedule.identity<KubeApiError>()),
    Schedule.whileInput((e: KubeApiError) => isRetryable(e)),
    Schedule.modifyDelay(([, e], delay) =>
      e.retryAfter !== undefined ? Duration.max(delay, Duration.seconds(Math.min(e.retryAfter, 60))) : delay
    )
  )

/**
 * The `--v=2` line for one retry: operation, status, reason, attempt and pause. Built only from
 * the op name, the server URL and the status, never from request headers or bodies (no secret).
 */
export const retryLine = (meta: { readonly op: string; readonly server: string }, e: KubeApiError, attempt: number, delay: Duration.Duration): string =>
  `[kube-api] ${meta.op} at ${meta.server}: attempt ${attempt} failed (${e.status === 0 ? "" : `${e.status} `}${e.reason}), retrying in ${Duration.format(Duration.millis(Math.round(Duration.toMillis(delay))))}`

/** Receives each retry line (the live layer passes Output.detail at level 2). */
export type RetryNotifier = (line: string) => Effect.Effect<void>

/** Applies the per-attempt deadline and the retry policy to one call. */
export const withPolicy = <A>(
  attempt: Effect.Effect<A, KubeApiError>,
  meta: { readonly op: string; readonly server: string },
  options: ClientOptions | undefined,
  notify?: RetryNotifier
): Effect.Effect<A, KubeApiError> => {
  const timeout = Duration.decode(options?.requestTimeout ?? "10 seconds")
  const schedule = retrySchedule(options?.retries ?? 5)
  return attempt.pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new KubeApiError({ ...meta, status: 0, reason: "Timeout", detail: `no answer within ${Duration.format(timeout)}` })
    }),
    Effect.retry(
      notify === undefined
        ? schedule
        : // Called only when a retry is decided; `n` counts earlier retries, so this failure was attempt n + 1.
          schedule.pipe(Schedule.modifyDelayEffect(([[, n], e], delay) => Effect.as(notify(retryLine(meta, e, n + 1, delay)), delay)))
    )
  )
}
