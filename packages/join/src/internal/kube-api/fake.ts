/**
 * The fake cluster behind `kubeApi.fake`: ConfigMaps, Secrets, Nodes and CSRs in maps, every
 * call logged with the identity it used (anonymous, token, client certificate) and whether the
 * server was verified.
 */
import { Effect, Stream } from "effect"
import { KubeApiError } from "../../kube-api/errors.js"
import type {
  CertificateSigningRequest,
  ClientOptions,
  ConfigMap,
  FakeCall,
  FakeClusterOptions,
  KubeApiService,
  KubeClient,
  Node,
  Secret
} from "../../kube-api/kube-api.js"
import { type Kubeconfig, selectCluster, selectUser } from "../../kubeconfig/kubeconfig.js"
import { insecureRefusal } from "./refusal.js"

const key = (namespace: string, name: string) => `${namespace}/${name}`

/** The fake cluster's state and its KubeApi service. */
export const make = (server: string, options: FakeClusterOptions) => {
  const configMaps = new Map<string, ConfigMap>()
  const secrets = new Map<string, Secret>()
  const nodes = new Map<string, Node>()
  const csrs = new Map<string, CertificateSigningRequest>()
  const calls: Array<FakeCall> = []
  let csrCount = 0

  const client = (kubeconfig: Kubeconfig, clientOptions: ClientOptions | undefined): KubeClient => {
    const cluster = selectCluster(kubeconfig)?.value
    const user = selectUser(kubeconfig)?.value
    const identity: FakeCall["identity"] =
      user?.token !== undefined ? "token" : user?.clientCertificateData !== undefined ? "certificate" : "anonymous"
    const base = {
      identity,
      verified: clientOptions?.insecureSkipTlsVerify !== true,
      ...(user?.token !== undefined ? { token: user.token } : {})
    }
    const log = (op: string) => Effect.sync(() => void calls.push({ op, ...base }))
    const notFound = (op: string, what: string) =>
      new KubeApiError({ op, server, status: 404, reason: "NotFound", detail: `${what} not found (404 NotFound)` })
    const unimplemented = (op: string) =>
      Effect.fail(
        new KubeApiError({
          op,
          server,
          status: 501,
          reason: "OtherStatus",
          detail: "not implemented by the fake cluster"
        })
      )
    const get = <A>(op: string, map: Map<string, A>, k: string, what: string) =>
      Effect.zipRight(
        log(op),
        Effect.suspend(() => {
          const v = map.get(k)
          return v === undefined ? Effect.fail(notFound(op, what)) : Effect.succeed(v)
        })
      )
    const getCsr = (name: string) =>
      get(`get CertificateSigningRequest ${name}`, csrs, name, `certificatesigningrequests "${name}"`)
    const impl: Pick<
      KubeClient,
      | "server"
      | "getConfigMap"
      | "updateConfigMap"
      | "listPods"
      | "getSecret"
      | "getNode"
      | "createNode"
      | "patchNode"
      | "createCsr"
      | "getCsr"
      | "watchCsr"
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
              return Effect.fail(
                new KubeApiError({ op: "create Node", server, status: 409, reason: "AlreadyExists", detail: "exists" })
              )
            }
            const n: Node = {
              metadata: { name: node.name, labels: node.labels },
              status: { conditions: [{ type: "Ready", status: "False" }] }
            }
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
            const annotations =
              (patch as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {}
            const updated: Node = {
              ...n,
              metadata: { ...n.metadata, annotations: { ...n.metadata.annotations, ...annotations } }
            }
            nodes.set(name, updated)
            return Effect.succeed(updated)
          })
        ),
      createCsr: (input) =>
        Effect.gen(function* () {
          yield* log(`create CertificateSigningRequest ${input.generateName}*`)
          const name = `${input.generateName}${++csrCount}`
          const created: CertificateSigningRequest = {
            metadata: { name, resourceVersion: "1" },
            spec: { request: input.request, signerName: input.signerName, usages: input.usages },
            status: { conditions: [] }
          }
          const issued: CertificateSigningRequest =
            options.signCsr === undefined
              ? created
              : {
                  ...created,
                  metadata: { name, resourceVersion: "2" },
                  status: {
                    conditions: [{ type: "Approved", status: "True", reason: "AutoApproved" }],
                    certificate: yield* options.signCsr(created)
                  }
                }
          csrs.set(name, issued)
          return created
        }),
      getCsr: (name) => getCsr(name),
      // One event with the current state (none once it is gone), then the server "closes" the watch.
      watchCsr: (name) =>
        Stream.fromEffect(log(`watch CertificateSigningRequest ${name}`)).pipe(
          Stream.flatMap(() => {
            const object = csrs.get(name)
            return Stream.fromIterable(object === undefined ? [] : [{ type: "MODIFIED" as const, object }])
          })
        )
    }
    // Calls the fake does not model (the interface grows with the control-plane join) fail as 501.
    return new Proxy(impl, {
      get: (target, prop) => (prop in target ? target[prop as keyof typeof target] : () => unimplemented(String(prop)))
    }) as KubeClient
  }

  const service: KubeApiService = {
    // Refuses credentials on an unverified client like the live one does.
    client: (k, clientOptions) => {
      const refused = insecureRefusal(selectCluster(k)?.value ?? {}, selectUser(k)?.value ?? {}, clientOptions)
      return refused === undefined
        ? Effect.succeed(client(k, clientOptions))
        : Effect.fail(
            new KubeApiError({ op: "build a client", server, status: 0, reason: "TLSError", detail: refused })
          )
    }
  }
  return { server, configMaps, secrets, nodes, csrs, calls, service }
}
