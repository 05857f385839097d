/**
 * The live `KubeApi` on @kubernetes/client-node. The library costs about a
 * second of start-up, so it is imported only when the first client is built
 * (`join --help` or a failing validation never pay for it).
 */
import { Duration, Effect, Layer, Option } from "effect"
import * as https from "node:https"
import type { Duplex } from "node:stream"
import { MAX_RESPONSE_BYTES, ResponseTooLarge } from "../body-limit.js"
import { causeText } from "../cause-text.js"
import { unmapIpv4Url } from "../config/formats.js"
import { type Kubeconfig, selectCluster, selectUser } from "../kubeconfig/kubeconfig.js"
import { Output } from "../output.js"
import {
  type CertificateSigningRequest,
  type ClientOptions,
  type ConfigMap,
  KubeApi,
  KubeApiError,
  type KubeApiReason,
  type KubeClient,
  type Node,
  emptyCaRefusal,
  insecureRefusal,
  reasonOfStatus,
  type RetryNotifier,
  type Secret,
  withPolicy
} from "./kube-api.js"

type ClientNode = typeof import("@kubernetes/client-node")

let loaded: Promise<ClientNode> | undefined
const loadClientNode = Effect.promise(() => (loaded ??= import("@kubernetes/client-node")))

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO"
])
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL"])
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"])

/** The innermost error code of a fetch failure (node-fetch wraps the socket error). */
const codeOf = (e: unknown): string | undefined => {
  let cur: unknown = e
  for (let i = 0; i < 5 && typeof cur === "object" && cur !== null; i++) {
    const c = cur as { code?: unknown; errno?: unknown; cause?: unknown; reason?: unknown }
    if (typeof c.code === "string" && c.code !== "FETCH_ERROR" && !/^\d+$/.test(c.code)) return c.code
    if (typeof c.errno === "string") return c.errno
    cur = c.cause ?? c.reason
  }
  return undefined
}

const statusBody = (body: unknown): { reason?: string; message?: string } => {
  let b = body
  if (typeof b === "string") {
    try {
      b = JSON.parse(b)
    } catch {
      return {}
    }
  }
  if (typeof b !== "object" || b === null) return {}
  const o = b as { reason?: unknown; message?: unknown }
  return {
    ...(typeof o.reason === "string" ? { reason: o.reason } : {}),
    ...(typeof o.message === "string" ? { message: o.message } : {})
  }
}

/**
 * A copy of the request's agent (same TLS options) whose connection is dropped once more than
 * MAX_RESPONSE_BYTES arrive: client-node reads bodies with node-fetch, which has no cap here.
 * One agent per attempt, so the count is one response's. The bytes are counted where the
 * socket emits them, not with a 'data' listener of our own: node-fetch takes any listener left
 * on the socket after a chunked response for a truncated body ("Premature close").
 */
const cappedAgent = (agent: https.Agent, onTrip: () => void): https.Agent => {
  const capped = new https.Agent({ ...agent.options })
  const create = capped.createConnection.bind(capped) as (...args: ReadonlyArray<unknown>) => Duplex
  Object.assign(capped, {
    createConnection: (...args: ReadonlyArray<unknown>) => {
      const socket = create(...args)
      const emit = socket.emit.bind(socket)
      let received = 0
      socket.emit = (event: string | symbol, ...rest: Array<unknown>): boolean => {
        if (event === "data" && rest[0] instanceof Buffer) {
          received += rest[0].length
          if (received > MAX_RESPONSE_BYTES) {
            onTrip()
            socket.destroy(new ResponseTooLarge(MAX_RESPONSE_BYTES))
            return false
          }
        }
        return emit(event, ...rest)
      }
      return socket
    }
  })
  return capped
}

const toError = (k8s: ClientNode, op: string, server: string, e: unknown): KubeApiError => {
  if (e instanceof ResponseTooLarge) return new KubeApiError({ op, server, status: 0, reason: "BadResponse", detail: e.message })
  if (e instanceof k8s.ApiException) {
    const status = e.code
    const body = statusBody(e.body)
    const retryAfterRaw = e.headers?.["retry-after"]
    const retryAfter = retryAfterRaw !== undefined && /^\d+$/.test(retryAfterRaw.trim()) ? Number(retryAfterRaw) : undefined
    const reason = reasonOfStatus(status, body.reason)
    const text =
      body.message ?? (status === 401 ? "Unauthorized" : status === 429 ? "Too Many Requests" : `HTTP status ${status}`)
    return new KubeApiError({
      op,
      server,
      status,
      reason,
      detail: `${text} (${status}${body.reason ? ` ${body.reason}` : ""})`,
      ...(retryAfter !== undefined ? { retryAfter } : {})
    })
  }
  const code = codeOf(e)
  const text = causeText(e)
  const reason: KubeApiReason =
    code !== undefined && TLS_CODES.has(code)
      ? "TLSError"
      : code !== undefined && UNREACHABLE_CODES.has(code)
        ? "Unreachable"
        : code !== undefined && RESET_CODES.has(code)
          ? "ConnectionReset"
          : /socket hang up|other side closed|ECONNRESET/i.test(text)
            ? "ConnectionReset"
            : /certificate|self.signed|altname|tls|ssl/i.test(text)
              ? "TLSError"
              : "Unreachable"
  const detail =
    reason === "TLSError"
      ? `TLS verification failed: ${text}`
      : reason === "Unreachable"
        ? `cannot reach the server: ${text}`
        : text
  return new KubeApiError({ op, server, status: 0, reason, detail })
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64")
const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8")

/** The generated client's objects use Date for timestamps etc.; keep the plain shapes we use. */
const asMeta = (m: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; generateName?: string } | undefined) => ({
  name: m?.name ?? "",
  ...(m?.namespace !== undefined ? { namespace: m.namespace } : {}),
  ...(m?.generateName !== undefined ? { generateName: m.generateName } : {}),
  ...(m?.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
  ...(m?.labels !== undefined ? { labels: m.labels } : {}),
  ...(m?.annotations !== undefined ? { annotations: m.annotations } : {})
})

/** Node and CSR conditions: the fields we read, optional ones only when set. */
const asConditions = (conditions: ReadonlyArray<{ type: string; status: string; reason?: string; message?: string }> | undefined) =>
  (conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.message !== undefined ? { message: c.message } : {})
  }))

const asNode = (n: import("@kubernetes/client-node").V1Node): Node => ({
  metadata: asMeta(n.metadata),
  spec: {
    taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, effect: t.effect, ...(t.value !== undefined ? { value: t.value } : {}) }))
  },
  status: {
    conditions: asConditions(n.status?.conditions)
  }
})

const asCsr = (c: import("@kubernetes/client-node").V1CertificateSigningRequest): CertificateSigningRequest => ({
  metadata: asMeta(c.metadata),
  spec: {
    request: unb64(c.spec.request),
    signerName: c.spec.signerName,
    usages: c.spec.usages ?? [],
    ...(c.spec.expirationSeconds !== undefined ? { expirationSeconds: c.spec.expirationSeconds } : {})
  },
  status: {
    conditions: asConditions(c.status?.conditions),
    ...(c.status?.certificate ? { certificate: unb64(c.status.certificate) } : {})
  }
})

export const makeClient = (kubeconfig: Kubeconfig, options?: ClientOptions, notify?: RetryNotifier): Effect.Effect<KubeClient, KubeApiError> =>
  Effect.gen(function* () {
    const cluster = selectCluster(kubeconfig)
    const server = cluster?.value.server ?? ""
    if (cluster === undefined || server === "") {
      return yield* Effect.fail(
        new KubeApiError({ op: "build a client", server: "(none)", status: 0, reason: "BadResponse", detail: "the kubeconfig has no cluster with a server" })
      )
    }
    const user = selectUser(kubeconfig)?.value ?? {}
    const refused = insecureRefusal(cluster.value, user, options) ?? emptyCaRefusal(cluster.value, options)
    if (refused !== undefined) {
      return yield* Effect.fail(new KubeApiError({ op: "build a client", server, status: 0, reason: "TLSError", detail: refused }))
    }
    const insecure = options?.insecureSkipTlsVerify === true
    const k8s = yield* loadClientNode
    const kc = new k8s.KubeConfig()
    kc.loadFromClusterAndUser(
      {
        name: "cluster",
        server: unmapIpv4Url(server), // [::ffff:a.b.c.d] must match an IPv4 SAN, as in Go
        skipTLSVerify: insecure,
        ...(!insecure ? { caData: b64(cluster.value.certificateAuthorityData ?? "") } : {})
      },
      {
        name: "user",
        ...(user.token !== undefined ? { token: user.token } : {}),
        ...(user.clientCertificateData !== undefined ? { certData: b64(user.clientCertificateData) } : {}),
        ...(user.clientKeyData !== undefined ? { keyData: b64(user.clientKeyData) } : {})
      }
    )
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const certs = kc.makeApiClient(k8s.CertificatesV1Api)
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api)

    // Each attempt gets an AbortSignal, so a deadline or an interruption really cancels the request,
    // and its own capped agent (the attempts whose response outgrew the cap are remembered by signal).
    const tripped = new WeakSet<AbortSignal>()
    const withSignal = (signal: AbortSignal) => ({
      middleware: [
        {
          pre: (ctx: import("@kubernetes/client-node").RequestContext) => {
            ctx.setSignal(signal)
            const agent = ctx.getAgent()
            if (agent instanceof https.Agent) ctx.setAgent(cappedAgent(agent, () => tripped.add(signal)))
            return new k8s.Observable(Promise.resolve(ctx))
          },
          post: (r: import("@kubernetes/client-node").ResponseContext) => new k8s.Observable(Promise.resolve(r))
        }
      ],
      middlewareMergeStrategy: "append" as const
    })
    const call = <A>(op: string, run: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, KubeApiError> =>
      withPolicy(
        Effect.tryPromise({
          try: (signal) =>
            run(signal).catch((e: unknown) => {
              throw tripped.has(signal) ? new ResponseTooLarge(MAX_RESPONSE_BYTES) : e
            }),
          catch: (e) => toError(k8s, op, server, e)
        }),
        { op, server },
        options,
        notify
      )

    /** Create, or replace what is already there (kubeadm's CreateOrUpdate for RBAC objects). */
    const createOrReplace = (what: string, create: (signal: AbortSignal) => Promise<unknown>, replace: (signal: AbortSignal) => Promise<unknown>) =>
      call(`create ${what}`, create).pipe(
        Effect.catchIf((e) => e.reason === "AlreadyExists", () => call(`update ${what}`, replace)),
        Effect.asVoid
      )

    const client: KubeClient = {
      server,
      getConfigMap: (namespace, name) =>
        call(`get ConfigMap ${namespace}/${name}`, (signal) =>
          core.readNamespacedConfigMap({ namespace, name }, withSignal(signal))
        ).pipe(Effect.map((cm): ConfigMap => ({ metadata: asMeta(cm.metadata), data: cm.data ?? {} }))),
      updateConfigMap: (cm) =>
        call(`update ConfigMap ${cm.metadata.namespace ?? ""}/${cm.metadata.name}`, (signal) =>
          core.replaceNamespacedConfigMap(
            {
              namespace: cm.metadata.namespace ?? "default",
              name: cm.metadata.name,
              body: {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: {
                  name: cm.metadata.name,
                  ...(cm.metadata.namespace !== undefined ? { namespace: cm.metadata.namespace } : {}),
                  ...(cm.metadata.resourceVersion !== undefined ? { resourceVersion: cm.metadata.resourceVersion } : {}),
                  ...(cm.metadata.labels !== undefined ? { labels: { ...cm.metadata.labels } } : {}),
                  ...(cm.metadata.annotations !== undefined ? { annotations: { ...cm.metadata.annotations } } : {})
                },
                data: { ...cm.data }
              }
            },
            withSignal(signal)
          )
        ).pipe(Effect.map((r): ConfigMap => ({ metadata: asMeta(r.metadata), data: r.data ?? {} }))),
      listPods: (namespace, labelSelector) =>
        call(`list Pods ${namespace} (${labelSelector})`, (signal) =>
          core.listNamespacedPod({ namespace, labelSelector }, withSignal(signal))
        ).pipe(Effect.map((l) => l.items.map((p) => ({ metadata: asMeta(p.metadata) })))),
      ensureRole: (role) => {
        const namespace = role.metadata.namespace ?? "default"
        const body = {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: { name: role.metadata.name, namespace },
          rules: role.rules.map((r) => ({
            apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs],
            ...(r.resourceNames !== undefined ? { resourceNames: [...r.resourceNames] } : {})
          }))
        }
        return createOrReplace(
          `Role ${namespace}/${role.metadata.name}`,
          (signal) => rbac.createNamespacedRole({ namespace, body }, withSignal(signal)),
          (signal) => rbac.replaceNamespacedRole({ namespace, name: role.metadata.name, body }, withSignal(signal))
        )
      },
      ensureRoleBinding: (rb) => {
        const namespace = rb.metadata.namespace ?? "default"
        const body = {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: rb.metadata.name, namespace },
          roleRef: { ...rb.roleRef },
          subjects: rb.subjects.map((x) => ({
            kind: x.kind, name: x.name,
            ...(x.apiGroup !== undefined ? { apiGroup: x.apiGroup } : {}),
            ...(x.namespace !== undefined ? { namespace: x.namespace } : {})
          }))
        }
        return createOrReplace(
          `RoleBinding ${namespace}/${rb.metadata.name}`,
          (signal) => rbac.createNamespacedRoleBinding({ namespace, body }, withSignal(signal)),
          (signal) => rbac.replaceNamespacedRoleBinding({ namespace, name: rb.metadata.name, body }, withSignal(signal))
        )
      },
      getSecret: (namespace, name) =>
        call(`get Secret ${namespace}/${name}`, (signal) => core.readNamespacedSecret({ namespace, name }, withSignal(signal))).pipe(
          Effect.map(
            (s): Secret => ({
              metadata: asMeta(s.metadata),
              ...(s.type !== undefined ? { type: s.type } : {}),
              data: Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, "base64"))]))
            })
          )
        ),
      getNode: (name) => call(`get Node ${name}`, (signal) => core.readNode({ name }, withSignal(signal))).pipe(Effect.map(asNode)),
      createNode: (node) =>
        call(`create Node ${node.name}`, (signal) =>
          core.createNode(
            { body: { apiVersion: "v1", kind: "Node", metadata: { name: node.name, labels: { ...node.labels } } } },
            withSignal(signal)
          )
        ).pipe(Effect.map(asNode)),
      patchNode: (name, patch) =>
        call(`patch Node ${name}`, (signal) =>
          core.patchNode(
            { name, body: patch },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch, withSignal(signal))
          )
        ).pipe(Effect.map(asNode)),
      createCsr: (spec) =>
        call(`create CertificateSigningRequest ${spec.generateName}*`, (signal) =>
          certs.createCertificateSigningRequest(
            {
              body: {
                apiVersion: "certificates.k8s.io/v1",
                kind: "CertificateSigningRequest",
                metadata: { generateName: spec.generateName },
                spec: { request: b64(spec.request), signerName: spec.signerName, usages: [...spec.usages] }
              }
            },
            withSignal(signal)
          )
        ).pipe(Effect.map(asCsr)),
      getCsr: (name) =>
        call(`get CertificateSigningRequest ${name}`, (signal) => certs.readCertificateSigningRequest({ name }, withSignal(signal))).pipe(
          Effect.map(asCsr)
        ),
      watchCsr: (name, until, deadline) => {
        const op = `watch CertificateSigningRequest ${name}`
        // One watch session: resolves with the first matching object, or when the stream ends (undefined).
        const session = Effect.async<CertificateSigningRequest | undefined, KubeApiError>((resume) => {
          const watch = new k8s.Watch(kc)
          let controller: AbortController | undefined
          let done = false
          const finish = (r: Effect.Effect<CertificateSigningRequest | undefined, KubeApiError>) => {
            if (done) return
            done = true
            controller?.abort()
            resume(r)
          }
          watch
            .watch(
              "/apis/certificates.k8s.io/v1/certificatesigningrequests",
              { fieldSelector: `metadata.name=${name}` },
              (_type, obj) => {
                const csr = asCsr(obj as import("@kubernetes/client-node").V1CertificateSigningRequest)
                if (until(csr)) finish(Effect.succeed(csr))
              },
              (err) => finish(err ? Effect.fail(toError(k8s, op, server, err)) : Effect.succeed(undefined))
            )
            .then((c) => {
              controller = c
              if (done) c.abort()
            })
            .catch((err) => finish(Effect.fail(toError(k8s, op, server, err))))
          return Effect.sync(() => {
            done = true
            controller?.abort()
          })
        })
        // A GET first (the object may already be final), then watch sessions until it is.
        const loop: Effect.Effect<CertificateSigningRequest, KubeApiError> = Effect.gen(function* () {
          const current = yield* client.getCsr(name)
          if (until(current)) return current
          const seen = yield* session.pipe(Effect.catchIf((e) => e.reason !== "NotFound" && e.reason !== "Forbidden", () => Effect.succeed(undefined)))
          if (seen !== undefined) return seen
          yield* Effect.sleep("200 millis")
          return yield* loop
        })
        const limit = Duration.decode(deadline)
        return loop.pipe(
          Effect.timeoutFail({
            duration: limit,
            onTimeout: () => new KubeApiError({ op, server, status: 0, reason: "Timeout", detail: `not done within ${Duration.format(limit)}` })
          })
        )
      }
    }
    return client
  })

/** Retries are reported as `--v=2` detail lines when an Output is in the layer's context (the join provides one). */
export const KubeApiLive: Layer.Layer<KubeApi> = Layer.effect(
  KubeApi,
  Effect.map(Effect.serviceOption(Output), (out) => {
    const notify: RetryNotifier | undefined = Option.isSome(out) ? (line) => out.value.detail(2, line) : undefined
    return { client: (kubeconfig: Kubeconfig, options?: ClientOptions) => makeClient(kubeconfig, options, notify) }
  })
)
