/**
 * An in-memory `KubeApi` for unit tests: ConfigMaps, Secrets, Nodes and CSRs in
 * maps, no network. Every call is logged with the identity it used (anonymous,
 * token, client certificate) and whether the server was verified, so tests can
 * assert what was sent before discovery had verified anything.
 */
import { Effect, Layer } from "effect"
import { type Kubeconfig, selectCluster, selectUser } from "../kubeconfig/kubeconfig.js"
import {
  type CertificateSigningRequest,
  type ClientOptions,
  type ConfigMap,
  insecureRefusal,
  KubeApi,
  KubeApiError,
  type KubeClient,
  type Node,
  type Secret
} from "./kube-api.js"

export interface FakeCall {
  readonly op: string
  readonly identity: "anonymous" | "token" | "certificate"
  /** The token used, if any (tests check it never precedes verification). */
  readonly token?: string
  /** False for a client built with the explicit insecure option. */
  readonly verified: boolean
}

export interface FakeCluster {
  readonly server: string
  readonly configMaps: Map<string, ConfigMap>
  readonly secrets: Map<string, Secret>
  readonly nodes: Map<string, Node>
  readonly csrs: Map<string, CertificateSigningRequest>
  readonly calls: Array<FakeCall>
  readonly layer: Layer.Layer<KubeApi>
}

const key = (namespace: string, name: string) => `${namespace}/${name}`

export const fakeCluster = (server: string): FakeCluster => {
  const configMaps = new Map<string, ConfigMap>()
  const secrets = new Map<string, Secret>()
  const nodes = new Map<string, Node>()
  const csrs = new Map<string, CertificateSigningRequest>()
  const calls: Array<FakeCall> = []

  const client = (kubeconfig: Kubeconfig, options: ClientOptions | undefined): KubeClient => {
    const cluster = selectCluster(kubeconfig)?.value
    const user = selectUser(kubeconfig)?.value
    const identity: FakeCall["identity"] =
      user?.token !== undefined ? "token" : user?.clientCertificateData !== undefined ? "certificate" : "anonymous"
    const base = { identity, verified: options?.insecureSkipTlsVerify !== true, ...(user?.token !== undefined ? { token: user.token } : {}) }
    const log = (op: string) => Effect.sync(() => void calls.push({ op, ...base }))
    const notFound = (op: string, what: string) =>
      new KubeApiError({ op, server, status: 404, reason: "NotFound", detail: `${what} not found (404 NotFound)` })
    const unimplemented = (op: string) =>
      Effect.fail(new KubeApiError({ op, server, status: 501, reason: "OtherStatus", detail: "not implemented by the fake cluster" }))
    const get = <A>(op: string, map: Map<string, A>, k: string, what: string) =>
      Effect.zipRight(
        log(op),
        Effect.suspend(() => {
          const v = map.get(k)
          return v === undefined ? Effect.fail(notFound(op, what)) : Effect.succeed(v)
        })
      )
    const impl: Pick<
      KubeClient,
      "server" | "getConfigMap" | "updateConfigMap" | "listPods" | "getSecret" | "getNode" | "createNode" | "patchNode" | "createCsr" | "getCsr" | "watchCsr"
    > = {
      server: cluster?.server ?? server,
      getConfigMap: (ns, name) => get(`get ConfigMap ${ns}/${name}`, configMaps, key(ns, name), `configmaps "${name}"`),
      updateConfigMap: (cm) =>
        Effect.zipRight(
          log(`update ConfigMap ${cm.metadata.name}`),
          Effect.sync(() => {
            configMaps.set(key(cm.metadata.namespace ?? "default", cm.metadata.name), cm)
            return cm
          })
        ),
      listPods: (ns) => Effect.zipRight(log(`list Pods ${ns}`), Effect.succeed([])),
      getSecret: (ns, name) => get(`get Secret ${ns}/${name}`, secrets, key(ns, name), `secrets "${name}"`),
      getNode: (name) => get(`get Node ${name}`, nodes, name, `nodes "${name}"`),
      createNode: (node) =>
        Effect.zipRight(
          log(`create Node ${node.name}`),
          Effect.suspend(() => {
            if (nodes.has(node.name)) {
              return Effect.fail(new KubeApiError({ op: "create Node", server, status: 409, reason: "AlreadyExists", detail: "exists" }))
            }
            const n: Node = { metadata: { name: node.name, labels: node.labels }, status: { conditions: [{ type: "Ready", status: "False" }] } }
            nodes.set(node.name, n)
            return Effect.succeed(n)
          })
        ),
      patchNode: (name, patch) =>
        Effect.zipRight(
          log(`patch Node ${name}`),
          Effect.suspend(() => {
            const n = nodes.get(name)
            if (n === undefined) return Effect.fail(notFound("patch Node", `nodes "${name}"`))
            const annotations = (patch as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {}
            const updated: Node = { ...n, metadata: { ...n.metadata, annotations: { ...n.metadata.annotations, ...annotations } } }
            nodes.set(name, updated)
            return Effect.succeed(updated)
          })
        ),
      createCsr: () => unimplemented("create CertificateSigningRequest"),
      getCsr: (name) => get(`get CertificateSigningRequest ${name}`, csrs, name, `certificatesigningrequests "${name}"`),
      watchCsr: (name) => unimplemented(`watch CertificateSigningRequest ${name}`)
    }
    // Calls the fake does not model (the interface grows with the control-plane join) fail as 501.
    return new Proxy(impl, {
      get: (target, prop) => (prop in target ? target[prop as keyof typeof target] : () => unimplemented(String(prop)))
    }) as KubeClient
  }

  return {
    server,
    configMaps,
    secrets,
    nodes,
    csrs,
    calls,
    layer: Layer.succeed(KubeApi, {
      // Refuses credentials on an unverified client like the live one does.
      client: (k, options) => {
        const refused = insecureRefusal(selectCluster(k)?.value ?? {}, selectUser(k)?.value ?? {}, options)
        return refused === undefined
          ? Effect.succeed(client(k, options))
          : Effect.fail(new KubeApiError({ op: "build a client", server, status: 0, reason: "TLSError", detail: refused }))
      }
    })
  }
}
