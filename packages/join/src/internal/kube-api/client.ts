/**
 * The live `KubeApi` on @kubernetes/client-node: one client per kubeconfig, every call with
 * an AbortSignal (a deadline or an interruption really cancels it), a capped response, the
 * retry policy, and client-node's exceptions classified into KubeApiError.
 */
import { Effect, Option } from "effect"
import * as tls from "node:tls"
import { MAX_RESPONSE_BYTES, ResponseTooLarge } from "../../body-limit.js"
import { causeText } from "../../cause-text.js"
import { unmapIpv4Url } from "../../config/formats.js"
import { KubeApiError } from "../../kube-api/errors.js"
import type { ClientOptions, ConfigMap, KubeApiService, KubeClient, Secret } from "../../kube-api/kube-api.js"
import { type Kubeconfig, selectCluster, selectUser } from "../../kubeconfig/kubeconfig.js"
import { Output } from "../../output.js"
import { cappedAgent, isHttpsAgent, sharedSecureContext } from "./capped-agent.js"
import { toError } from "./errors.js"
import { loadClientNode } from "./load.js"
import { watchStream } from "./watch.js"
import { asCsr, asMeta, asNode, b64, csrBody, csrPath, toV1beta1 } from "./objects.js"
import * as crashPoints from "../crash/crash-points.js"
import { type RetryNotifier, withPolicy } from "./policy.js"
import { emptyCaRefusal, insecureRefusal } from "./refusal.js"

/** A malformed client certificate or key is the kubeconfig's fault: refused before anything is sent. */
const credentialRefusal = (user: {
  readonly clientCertificateData?: string | undefined
  readonly clientKeyData?: string | undefined
}): string | undefined => {
  if (user.clientCertificateData === undefined && user.clientKeyData === undefined) return undefined
  try {
    tls.createSecureContext({
      ...(user.clientCertificateData !== undefined ? { cert: user.clientCertificateData } : {}),
      ...(user.clientKeyData !== undefined ? { key: user.clientKeyData } : {})
    })
    return undefined
  } catch (e) {
    return `the kubeconfig's client certificate or key cannot be used: ${causeText(e)}`
  }
}

/** A client for the kubeconfig's current context, or why none may be built. */
export const makeClient = (
  kubeconfig: Kubeconfig,
  options?: ClientOptions,
  notify?: RetryNotifier,
  dryRun = false
): Effect.Effect<KubeClient, KubeApiError> =>
  Effect.gen(function* () {
    const cluster = selectCluster(kubeconfig)
    const server = cluster?.value.server ?? ""
    if (cluster === undefined || server === "") {
      return yield* Effect.fail(
        new KubeApiError({
          op: "build a client",
          server: "(none)",
          status: 0,
          reason: "BadResponse",
          detail: "the kubeconfig has no cluster with a server"
        })
      )
    }
    const user = selectUser(kubeconfig)?.value ?? {}
    const refused =
      insecureRefusal(cluster.value, user, options) ?? emptyCaRefusal(cluster.value, options) ?? credentialRefusal(user)
    if (refused !== undefined) {
      return yield* Effect.fail(
        new KubeApiError({ op: "build a client", server, status: 0, reason: "TLSError", detail: refused })
      )
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
    const secureContext = sharedSecureContext()
    const withSignal = (signal: AbortSignal, csrVersion: "v1" | "v1beta1" = "v1") => ({
      middleware: [
        {
          pre: (ctx: import("@kubernetes/client-node").RequestContext) => {
            ctx.setSignal(signal)
            // --dry-run: the API server validates and admits every write, and stores none.
            if (dryRun && ctx.getHttpMethod() !== k8s.HttpMethod.GET) ctx.setQueryParam("dryRun", "All")
            const agent = ctx.getAgent()
            if (isHttpsAgent(agent)) ctx.setAgent(cappedAgent(agent, () => tripped.add(signal), secureContext))
            if (csrVersion === "v1beta1") {
              const moved = toV1beta1(ctx.getUrl(), ctx.getBody())
              ctx.setUrl(moved.url)
              ctx.setBody(moved.body)
            }
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
      ).pipe(Effect.tap(() => (/^(get|list|watch) /.test(op) ? Effect.void : crashPoints.after(`api:${op}`))))

    /** Create, or replace what is already there (kubeadm's CreateOrUpdate for RBAC objects). */
    const createOrReplace = (
      what: string,
      create: (signal: AbortSignal) => Promise<unknown>,
      replace: (signal: AbortSignal) => Promise<unknown>
    ) =>
      call(`create ${what}`, create).pipe(
        Effect.catchIf(
          (e) => e.reason === "AlreadyExists",
          () => call(`update ${what}`, replace)
        ),
        Effect.asVoid
      )

    /** A malformed answer (a 200 without the object's fields) is the server's fault, not a bug here. */
    const decoded =
      <A, B>(op: string, f: (a: A) => B) =>
      (a: A) =>
        Effect.try({
          try: () => f(a),
          catch: (e) =>
            new KubeApiError({
              op,
              server,
              status: 200,
              reason: "BadResponse",
              detail: `a malformed answer: ${causeText(e)}`
            })
        })

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
                  ...(cm.metadata.resourceVersion !== undefined
                    ? { resourceVersion: cm.metadata.resourceVersion }
                    : {}),
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
            apiGroups: [...r.apiGroups],
            resources: [...r.resources],
            verbs: [...r.verbs],
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
            kind: x.kind,
            name: x.name,
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
        call(`get Secret ${namespace}/${name}`, (signal) =>
          core.readNamespacedSecret({ namespace, name }, withSignal(signal))
        ).pipe(
          Effect.map((s): Secret => ({
            metadata: asMeta(s.metadata),
            ...(s.type !== undefined ? { type: s.type } : {}),
            data: Object.fromEntries(
              Object.entries(s.data ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, "base64"))])
            )
          }))
        ),
      getNode: (name) =>
        call(`get Node ${name}`, (signal) => core.readNode({ name }, withSignal(signal))).pipe(Effect.map(asNode)),
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
      createCsr: (csr) => {
        const op = `create CertificateSigningRequest ${csr.generateName}*`
        return call(op, (signal) =>
          certs.createCertificateSigningRequest({ body: csrBody(csr) }, withSignal(signal, csr.apiVersion))
        ).pipe(Effect.flatMap(decoded(op, asCsr)))
      },
      getCsr: (name, apiVersion) => {
        const op = `get CertificateSigningRequest ${name}`
        return call(op, (signal) => certs.readCertificateSigningRequest({ name }, withSignal(signal, apiVersion))).pipe(
          Effect.flatMap(decoded(op, asCsr))
        )
      },
      watchCsr: (name, watchOptions = {}) =>
        watchStream(k8s, kc, {
          op: `watch CertificateSigningRequest ${name}`,
          server,
          path: csrPath(watchOptions.apiVersion),
          query: {
            fieldSelector: `metadata.name=${name}`,
            resourceVersion: watchOptions.resourceVersion,
            timeoutSeconds: watchOptions.timeoutSeconds
          },
          decode: asCsr
        })
    }
    return client
  })

/** The live service: retries are `--v=2` detail lines when an Output is in the layer's context (the join provides one). */
const makeWith = (dryRun: boolean): Effect.Effect<KubeApiService> =>
  Effect.map(Effect.serviceOption(Output), (out) => {
    const notify: RetryNotifier | undefined = Option.isSome(out) ? (line) => out.value.detail(2, line) : undefined
    return { client: (kubeconfig, options) => makeClient(kubeconfig, options, notify, dryRun) }
  })

export const make: Effect.Effect<KubeApiService> = makeWith(false)

/** Every write is sent with `?dryRun=All`: checked and admitted by the API server, never stored. */
export const makeDryRun: Effect.Effect<KubeApiService> = makeWith(true)
