/**
 * `KubeApi`: the Kubernetes API calls a join makes, on a client built from a
 * kubeconfig. The service is a factory (`client(kubeconfig)`) because a join talks
 * with several identities: anonymous and unverified (first cluster-info read),
 * anonymous and verified, the bootstrap token, then the node's own certificate.
 *
 * Every failure is a `KubeApiError` with the HTTP status (0 when there was no
 * answer) and a reason. Retryable failures (5xx, 429 with Retry-After, resets,
 * timeouts) are retried on a jittered exponential schedule; 4xx never are.
 *
 * The live layer is built on @kubernetes/client-node, imported on first use (it
 * costs about a second of start-up); see internal/kube-api/.
 */
import { Context, type Duration, Effect, Layer, type Stream } from "effect"
import * as fakeCluster from "../internal/kube-api/fake.js"
import * as live from "../internal/kube-api/client.js"
import type { Kubeconfig } from "../kubeconfig/kubeconfig.js"
import { Output } from "../output.js"
import { dryRunClient } from "./dry-run.js"
import type { KubeApiError } from "./errors.js"

export { isRetryable, KubeApiError, type KubeApiReason, reasonOfStatus } from "./errors.js"

/** The metadata fields the join reads and writes. */
export interface ObjectMeta {
  readonly name: string
  readonly namespace?: string
  readonly generateName?: string
  readonly resourceVersion?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly creationTimestamp?: string
}

/** A ConfigMap. */
export interface ConfigMap {
  readonly metadata: ObjectMeta
  readonly data: Readonly<Record<string, string>>
}

/** A Secret, its values decoded. */
export interface Secret {
  readonly metadata: ObjectMeta
  readonly type?: string
  /** Decoded values. */
  readonly data: Readonly<Record<string, Uint8Array>>
}

/** A condition of a Node or a CSR. */
export interface Condition {
  readonly type: string
  readonly status?: string
  readonly reason?: string
  readonly message?: string
}

/** A Node's taint. */
export interface NodeTaint {
  readonly key: string
  readonly value?: string
  readonly effect: string
}

/** A Node: its taints and conditions. */
export interface Node {
  readonly metadata: ObjectMeta
  readonly spec?: { readonly taints?: ReadonlyArray<NodeTaint> }
  readonly status?: { readonly conditions?: ReadonlyArray<Condition> }
}

/** A Pod (its metadata only). */
export interface Pod {
  readonly metadata: ObjectMeta
}

/** One rule of a Role. */
export interface PolicyRule {
  readonly apiGroups: ReadonlyArray<string>
  readonly resources: ReadonlyArray<string>
  readonly resourceNames?: ReadonlyArray<string>
  readonly verbs: ReadonlyArray<string>
}

/** An RBAC Role. */
export interface Role {
  readonly metadata: ObjectMeta
  readonly rules: ReadonlyArray<PolicyRule>
}

/** An RBAC RoleBinding. */
export interface RoleBinding {
  readonly metadata: ObjectMeta
  readonly roleRef: { readonly apiGroup: string; readonly kind: string; readonly name: string }
  readonly subjects: ReadonlyArray<{
    readonly kind: string
    readonly name: string
    readonly apiGroup?: string
    readonly namespace?: string
  }>
}

/** A CertificateSigningRequest, its request and certificate as PEM text. */
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

/** The certificates.k8s.io version a cluster serves for kubelet CSRs: "v1beta1" before 1.19. */
export type CsrApiVersion = "v1" | "v1beta1"

/** A CSR to submit. */
export interface CsrInput {
  readonly generateName: string
  /** PEM text of the request. */
  readonly request: string
  /** Not sent to certificates.k8s.io/v1beta1 (its older API servers predate it). */
  readonly signerName: string
  readonly usages: ReadonlyArray<string>
  /** Default "v1". */
  readonly apiVersion?: CsrApiVersion
}

/** One event of a watch (bookmarks are not asked for; an ERROR event fails the stream). */
export interface WatchEvent<A> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED"
  readonly object: A
}

/** Where a watch starts and how long the server keeps it open. */
export interface WatchCsrOptions {
  readonly apiVersion?: CsrApiVersion
  /** Events after this version (from a read of the object); without it the server starts with the current state. */
  readonly resourceVersion?: string
  /** The server ends the watch after this many seconds. */
  readonly timeoutSeconds?: number
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
  readonly createNode: (node: {
    readonly name: string
    readonly labels: Readonly<Record<string, string>>
  }) => Effect.Effect<Node, KubeApiError>
  /** Strategic-merge patch of a Node. */
  readonly patchNode: (name: string, patch: unknown) => Effect.Effect<Node, KubeApiError>
  /** Submits a CSR (certificates.k8s.io/v1, or v1beta1 for the clusters before 1.19). */
  readonly createCsr: (csr: CsrInput) => Effect.Effect<CertificateSigningRequest, KubeApiError>
  readonly getCsr: (name: string, apiVersion?: CsrApiVersion) => Effect.Effect<CertificateSigningRequest, KubeApiError>
  /**
   * The changes of one CSR. The stream ends when the server closes the watch (timeoutSeconds),
   * and fails when the connection breaks or the server sends an ERROR event (410 Gone: too old a
   * resourceVersion). Interrupting it closes the connection.
   */
  readonly watchCsr: (
    name: string,
    options?: WatchCsrOptions
  ) => Stream.Stream<WatchEvent<CertificateSigningRequest>, KubeApiError>
}

/** One retry of a call, for a caller that reports its own progress. */
export interface RetryNotice {
  readonly op: string
  /** The attempt that failed (1 for the first). */
  readonly attempt: number
  readonly delay: Duration.Duration
  readonly error: KubeApiError
}

/** How a client's calls behave. */
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
  /** Told before each retry's pause (besides the layer's `--v=2` line). */
  readonly onRetry?: (notice: RetryNotice) => Effect.Effect<void>
}

/** The service: clients for kubeconfigs. */
export interface KubeApiService {
  /** A client for the current context of `kubeconfig` (CA and credentials inlined). */
  readonly client: (kubeconfig: Kubeconfig, options?: ClientOptions) => Effect.Effect<KubeClient, KubeApiError>
}

/** The Tag of the KubeApi service. */
export class KubeApi extends Context.Tag("@kubeadm-ts/join/KubeApi")<KubeApi, KubeApiService>() {}

/** The live KubeApi. Retries are reported as `--v=2` detail lines when an Output is in the layer's context. */
export const layer: Layer.Layer<KubeApi> = Layer.effect(KubeApi, live.make)

/** `service` as `--dry-run` uses it: writes announced on Output, this join's Node made up when missing. */
export const dryRunOver = (service: KubeApiService): Layer.Layer<KubeApi, never, Output> =>
  Layer.effect(
    KubeApi,
    Effect.map(Output, (out) => ({
      client: (kubeconfig, options) => Effect.map(service.client(kubeconfig, options), (c) => dryRunClient(c, out))
    }))
  )

/**
 * The `--dry-run` KubeApi: reads are real; every write goes with `?dryRun=All`, so the API
 * server checks and admits it (authorization, validation, admission) and stores nothing.
 */
export const layerDryRun: Layer.Layer<KubeApi, never, Output> = Layer.unwrapEffect(
  Effect.map(live.makeDryRun, (service) => dryRunOver(service))
)

/** A KubeApi for tests: each method not given dies, naming itself. */
export const layerTest = (partial: Partial<KubeApiService> = {}): Layer.Layer<KubeApi> =>
  Layer.succeed(KubeApi, {
    client: () => Effect.die("KubeApi.client was not expected by this test"),
    ...partial
  })

/** A call the fake cluster saw, with the identity it used. */
export interface FakeCall {
  readonly op: string
  readonly identity: "anonymous" | "token" | "certificate"
  /** The token used, if any (tests check it never precedes verification). */
  readonly token?: string
  /** False for a client built with the explicit insecure option. */
  readonly verified: boolean
}

/** How the fake cluster answers a CSR: a signer issues it at once; without one it stays pending. */
export interface FakeClusterOptions {
  /** Returns the PEM certificate for an approved CSR (given its request PEM). */
  readonly signCsr?: (csr: CertificateSigningRequest) => Effect.Effect<string>
}

/** An in-memory cluster: its objects, the calls made, and the KubeApi layer on it. */
export interface FakeCluster {
  readonly server: string
  readonly configMaps: Map<string, ConfigMap>
  readonly secrets: Map<string, Secret>
  readonly nodes: Map<string, Node>
  readonly csrs: Map<string, CertificateSigningRequest>
  readonly calls: Array<FakeCall>
  /** The service itself, to wrap (e.g. with `dryRunOver`). */
  readonly service: KubeApiService
  readonly layer: Layer.Layer<KubeApi>
}

/**
 * An in-memory KubeApi for unit tests: ConfigMaps, Secrets, Nodes and CSRs in maps, no network.
 * Every call is logged with the identity it used, so tests can assert what was sent before
 * discovery had verified anything. Calls it does not model fail with status 501.
 */
export const fake = (server: string, options: FakeClusterOptions = {}): FakeCluster => {
  const cluster = fakeCluster.make(server, options)
  return { ...cluster, layer: Layer.succeed(KubeApi, cluster.service) }
}
