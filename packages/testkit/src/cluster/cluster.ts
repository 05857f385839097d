/**
 * The cluster `kubeadm init` leaves behind, served by the in-process API server with its
 * controllers running, as a scoped service: whatever stops the scope (the end of an
 * `it.layer(cluster.layer(...))` block, a failing test, an interrupt) stops the controllers
 * and the server. init-cluster.ts holds the promise form for tests that are not Effects.
 */
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Cause, Context, Data, Effect, Exit, Layer, Scope } from "effect"
import { caCertHash, generateCertificateKey, type KeyAlgorithm } from "@kubeadm-ts/join/crypto"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { ApiServer } from "../api-server/server.js"
import {
  type ApiEndpoint,
  clusterConfigurationYaml,
  clusterStatusYaml,
  configMap,
  type EtcdConfig,
  kubeletConfigurationYaml,
  kubeProxyConfigYaml,
  kubeProxyKubeconfig,
  type Networking,
  nthAddress,
  randomTokenPart,
  tokenSecret
} from "./cluster-objects.js"
import { BootstrapSigner, CsrApprover, CsrSigner, type Controller, TokenCleaner } from "../controllers/index.js"
import type { FaultHandle } from "../faults/faults.js"
import { anonymousKubeconfig, clientCertKubeconfig, clusterInfoKubeconfig, tokenKubeconfig } from "./kubeconfigs.js"
import { type CertAndKey, type ClusterPki, createClusterPki, issue, kubeadmCertsData } from "./pki.js"
import { BOOTSTRAP_GROUP, initRbac } from "../auth/rbac.js"
import { tamperedClusterInfo } from "../faults/man-in-the-middle.js"
import type { KubeObject, Store } from "../api-server/store.js"

/** A bootstrap token the cluster starts with (or a test creates). */
export interface TokenOptions {
  /** `id.secret`; random when absent. */
  readonly token?: string
  /** Time to live in ms; 0 = never expires. Default 24 h. */
  readonly ttlMs?: number
  readonly usages?: ReadonlyArray<"authentication" | "signing">
  readonly groups?: ReadonlyArray<string>
  readonly description?: string
}

/** How the cluster looks as `kubeadm init` left it; every field has kubeadm's default. */
export interface ClusterOptions {
  /** Loopback address to listen on (default 127.0.0.1). */
  readonly address?: string
  /** Default 0 (a free port). */
  readonly port?: number
  /** The cluster's key algorithm (CAs, service-account key, serving/admin certs). Default "rsa-2048". */
  readonly keyAlgorithm?: KeyAlgorithm
  /** Default "v1.15.12". */
  readonly kubernetesVersion?: string
  /** ClusterConfiguration apiVersion; default "v1beta2" (v1beta3 omits ClusterStatus). */
  readonly configApiVersion?: "v1beta1" | "v1beta2" | "v1beta3"
  readonly clusterName?: string
  /** `host:port`, or `true` for this server's own endpoint. Absent = none (workers only). */
  readonly controlPlaneEndpoint?: string | true
  readonly certificatesDir?: string
  readonly imageRepository?: string
  readonly networking?: Partial<Networking>
  /**
   * The etcd the configuration names; default local etcd with dataDir /var/lib/etcd, recorded in
   * the configuration only (etcd/cluster-with-etcd.ts also starts a real one).
   */
  readonly etcd?: EtcdConfig
  /** External etcd client material for kubeadm-certs (external etcd only). */
  readonly externalEtcdFiles?: { readonly caPem: string; readonly certPem: string; readonly keyPem: string }
  /** Name of the init node (default "control-plane-1"): its Node object and ClusterStatus entry. */
  readonly initNodeName?: string
  /** ClusterStatus.apiEndpoints; default the init node at this server's address and port. */
  readonly apiEndpoints?: Readonly<Record<string, ApiEndpoint>>
  /** Bootstrap tokens; default one default token (24 h, authentication+signing, kubeadm's group). */
  readonly tokens?: ReadonlyArray<TokenOptions>
  /** Upload kubeadm-certs (default true). */
  readonly uploadCerts?: boolean
  /** Register the init node as a Ready control-plane Node (default true). */
  readonly registerInitNode?: boolean
  /** Run the CSR approver (default true); off, CSRs wait for a test (or kubectl certificate approve). */
  readonly autoApproveCsrs?: boolean
  /** Extra SANs for the serving certificate. */
  readonly servingCertSANs?: ReadonlyArray<string>
}

/** The join commands `kubeadm init` prints for this cluster. */
export interface JoinCommands {
  /** argv after the program name, e.g. ["join", "127.0.1.1:43567", "--token", ...]. */
  readonly worker: ReadonlyArray<string>
  readonly controlPlane: ReadonlyArray<string>
  /** The same as one shell line, starting with `kubeadm-ts`. */
  readonly workerLine: string
  readonly controlPlaneLine: string
}

/** A running cluster; it stops with the scope that made it. */
export interface ClusterService {
  readonly server: ApiServer
  readonly store: Store
  readonly faults: ApiServer["faults"]
  readonly audit: ApiServer["audit"]
  readonly address: string
  readonly port: number
  /** `address:port` of this server. */
  readonly endpoint: string
  /** `https://address:port`. */
  readonly url: string
  /** The endpoint clients are told about (controlPlaneEndpoint if set, else `endpoint`). */
  readonly clusterEndpoint: string
  readonly controlPlaneEndpoint: string
  readonly kubernetesVersion: string
  readonly clusterName: string
  /** The first bootstrap token (`id.secret`): a secret. */
  readonly token: string
  readonly tokens: ReadonlyArray<string>
  readonly caCertHash: string
  /** 64 hex chars; empty when uploadCerts is false. */
  readonly certificateKey: string
  readonly pki: ClusterPki
  readonly caPem: string
  readonly admin: CertAndKey
  readonly serving: CertAndKey
  /** Name of the kubelet config ConfigMap(s) created. */
  readonly kubeletConfigMapNames: ReadonlyArray<string>
  readonly joinCommands: JoinCommands
  adminKubeconfig(): string
  bootstrapKubeconfig(token?: string): string
  anonymousKubeconfig(): string
  /** A client-certificate kubeconfig for any identity signed by the cluster CA. */
  clientKubeconfig(commonName: string, organizations?: ReadonlyArray<string>): Promise<string>
  /** Writes ca.crt, admin.conf, bootstrap.conf and anonymous.conf into `dir`; returns their paths. */
  writeFiles(
    dir: string
  ): Promise<{ caCert: string; adminKubeconfig: string; bootstrapKubeconfig: string; anonymousKubeconfig: string }>
  createToken(options?: TokenOptions): string
  deleteToken(tokenOrId: string): void
  /** Sets the token's expiration in the past (the signer drops its JWS, the cleaner deletes it). */
  expireToken(tokenOrId: string): void
  /** Anonymous reads of cluster-info get a kubeconfig with an attacker CA (JWS re-signed with the known tokens when `resign`). */
  tamperClusterInfo(options?: { resign?: boolean }): Promise<FaultHandle>
  /** cluster-info answers lack `jws-kubeconfig-<id>` (all ids when absent). */
  dropJws(tokenOrId?: string): FaultHandle
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined
}

/** The running cluster. */
export class Cluster extends Context.Tag("@kubeadm-ts/testkit/Cluster")<Cluster, ClusterService>() {}

/** A part of a test cluster (its PKI, API server, etcd, ...) could not be started. */
export class ClusterStartError extends Data.TaggedError("ClusterStartError")<{
  readonly component: string
  readonly cause: unknown
}> {
  override get message() {
    return `testkit: could not start ${this.component}: ${causeText(this.cause)}`
  }
}

/** Runs one start-up step; a rejection becomes a ClusterStartError naming the component. */
export const startStep = <A>(component: string, start: () => Promise<A>): Effect.Effect<A, ClusterStartError> =>
  Effect.tryPromise({ try: start, catch: (cause) => new ClusterStartError({ component, cause }) })

const DAY = 24 * 3600 * 1000

const isIp = (host: string) => /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":")
const hostOf = (endpoint: string) =>
  endpoint
    .replace(/^\[/, "")
    .replace(/\](:\d+)?$/, "")
    .replace(/:\d+$/, "")
const idOf = (tokenOrId: string) => tokenOrId.split(".")[0] ?? ""

/** The options with kubeadm's defaults filled in. */
const settingsOf = (options: ClusterOptions) => {
  const kubernetesVersion = options.kubernetesVersion ?? "v1.15.12"
  const minor = Number(/^v?\d+\.(\d+)/.exec(kubernetesVersion)?.[1] ?? "15")
  const networking: Networking = {
    dnsDomain: options.networking?.dnsDomain ?? "cluster.local",
    serviceSubnet: options.networking?.serviceSubnet ?? "10.96.0.0/12",
    ...(options.networking?.podSubnet !== undefined ? { podSubnet: options.networking.podSubnet } : {})
  }
  return {
    address: options.address ?? "127.0.0.1",
    algorithm: options.keyAlgorithm ?? "rsa-2048",
    kubernetesVersion,
    minor,
    configApiVersion: options.configApiVersion ?? "v1beta2",
    clusterName: options.clusterName ?? "kubernetes",
    networking,
    initNodeName: options.initNodeName ?? "control-plane-1",
    etcd: options.etcd ?? { local: { dataDir: "/var/lib/etcd" } },
    kubeletConfigMapNames: minor >= 24 ? [`kubelet-config-1.${minor}`, "kubelet-config"] : [`kubelet-config-1.${minor}`]
  } as const
}
type Settings = ReturnType<typeof settingsOf>

/** The cluster's CAs, and the API server's serving and the admin's client certificates. */
const certificates = (options: ClusterOptions, s: Settings) =>
  Effect.gen(function* () {
    const pki = yield* startStep("the cluster PKI", () => createClusterPki(s.algorithm))
    const cpeHost = typeof options.controlPlaneEndpoint === "string" ? hostOf(options.controlPlaneEndpoint) : undefined
    const extraSans = [...(options.servingCertSANs ?? []), ...(cpeHost ? [cpeHost] : [])]
    const [serving, admin] = yield* startStep("the serving and admin certificates", () =>
      Promise.all([
        issue(s.algorithm, pki.ca, {
          commonName: "kube-apiserver",
          dnsNames: [
            ...new Set([
              s.initNodeName,
              "kubernetes",
              "kubernetes.default",
              "kubernetes.default.svc",
              `kubernetes.default.svc.${s.networking.dnsDomain}`,
              "localhost",
              ...extraSans.filter((h) => !isIp(h))
            ])
          ],
          ipAddresses: [
            ...new Set([nthAddress(s.networking.serviceSubnet, 1), s.address, "127.0.0.1", ...extraSans.filter(isIp)])
          ],
          usage: "server"
        }),
        issue(s.algorithm, pki.ca, {
          commonName: "kubernetes-admin",
          organizations: ["system:masters"],
          usage: "client"
        })
      ])
    )
    return { pki, serving, admin }
  })

/** The listening API server, closed with the scope. */
const apiServer = (options: ClusterOptions, s: Settings, pki: ClusterPki, serving: CertAndKey) =>
  Effect.acquireRelease(
    startStep("the API server", async () => {
      const server = new ApiServer({
        address: s.address,
        port: options.port ?? 0,
        servingCertPem: serving.certPem,
        servingKeyPem: serving.keyPem,
        caPem: pki.ca.certPem,
        kubernetesVersion: s.kubernetesVersion
      })
      await server.listen()
      return server
    }),
    (server) => Effect.promise(() => server.close())
  )

/** The controller-manager stand-ins, each stopped with the scope. */
const controllers = (store: Store, pki: ClusterPki, autoApproveCsrs: boolean) =>
  Effect.forEach(
    [
      new BootstrapSigner(store),
      new TokenCleaner(store),
      ...(autoApproveCsrs ? [new CsrApprover(store)] : []),
      new CsrSigner(store, { certPem: pki.ca.certPem, keys: pki.ca.keys })
    ] satisfies ReadonlyArray<Controller>,
    (controller) =>
      Effect.acquireRelease(
        Effect.sync(() => controller.start()),
        (c) => Effect.sync(() => c.stop())
      )
  )

/** The configuration kubeadm init uploads: cluster-info, kubeadm-config, kubelet-config, kube-proxy. */
const uploadConfiguration = (
  store: Store,
  options: ClusterOptions,
  s: Settings,
  pki: ClusterPki,
  endpoints: { clusterUrl: string; controlPlaneEndpoint: string; port: number }
) => {
  store.create(
    "configmaps",
    configMap("kube-public", "cluster-info", {
      kubeconfig: clusterInfoKubeconfig(endpoints.clusterUrl, pki.ca.certPem)
    })
  )
  const kubeadmConfig: Record<string, string> = {
    ClusterConfiguration: clusterConfigurationYaml({
      apiVersion: s.configApiVersion,
      kubernetesVersion: s.kubernetesVersion,
      clusterName: s.clusterName,
      controlPlaneEndpoint: endpoints.controlPlaneEndpoint,
      certificatesDir: options.certificatesDir ?? "/etc/kubernetes/pki",
      imageRepository: options.imageRepository ?? "k8s.gcr.io",
      networking: s.networking,
      etcd: s.etcd,
      certSANs: options.servingCertSANs
    })
  }
  if (s.configApiVersion !== "v1beta3")
    kubeadmConfig["ClusterStatus"] = clusterStatusYaml(
      s.configApiVersion,
      options.apiEndpoints ?? { [s.initNodeName]: { advertiseAddress: s.address, bindPort: endpoints.port } }
    )
  store.create("configmaps", configMap("kube-system", "kubeadm-config", kubeadmConfig))
  for (const name of s.kubeletConfigMapNames)
    store.create("configmaps", configMap("kube-system", name, { kubelet: kubeletConfigurationYaml(s.networking) }))
  store.create(
    "configmaps",
    configMap("kube-system", "kube-proxy", {
      "config.conf": kubeProxyConfigYaml(s.networking),
      "kubeconfig.conf": kubeProxyKubeconfig(endpoints.clusterUrl)
    })
  )
}

/** Creates bootstrap token Secrets; returns the token (`id.secret`). */
const tokenCreator =
  (store: Store) =>
  (t: TokenOptions = {}): string => {
    const token = t.token ?? `${randomTokenPart(6)}.${randomTokenPart(16)}`
    const [id = "", secret = ""] = token.split(".")
    const ttl = t.ttlMs ?? DAY
    store.create(
      "secrets",
      tokenSecret({
        id,
        secret,
        expiration: ttl > 0 ? new Date(Date.now() + ttl) : undefined,
        usages: t.usages ?? ["authentication", "signing"],
        groups: t.groups ?? [BOOTSTRAP_GROUP],
        description: t.description
      })
    )
    return token
  }

/** kubeadm-certs, encrypted with a new certificate key and owned by a 2 h proxy token; returns the key. */
const uploadCerts = (store: Store, options: ClusterOptions, s: Settings, pki: ClusterPki): string => {
  const certificateKey = generateCertificateKey()
  const owner = store.create(
    "secrets",
    tokenSecret({
      id: randomTokenPart(6),
      secret: randomTokenPart(16),
      expiration: new Date(Date.now() + 2 * 3600 * 1000),
      description: "Proxy for managing TTL for the kubeadm-certs secret"
    })
  )
  store.create("secrets", {
    metadata: {
      name: "kubeadm-certs",
      namespace: "kube-system",
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Secret",
          name: owner.metadata.name ?? "",
          uid: owner.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true
        }
      ]
    },
    type: "Opaque",
    data: kubeadmCertsData(
      pki,
      certificateKey,
      "external" in s.etcd && options.externalEtcdFiles ? options.externalEtcdFiles : "local"
    )
  })
  return certificateKey
}

/** The init node as a Ready control-plane Node. */
const registerInitNode = (store: Store, s: Settings) => {
  const masterLabel = s.minor >= 20 ? "node-role.kubernetes.io/control-plane" : "node-role.kubernetes.io/master"
  store.create("nodes", {
    metadata: {
      name: s.initNodeName,
      labels: { "kubernetes.io/hostname": s.initNodeName, "kubernetes.io/os": "linux", [masterLabel]: "" }
    },
    spec: { taints: [{ key: masterLabel, effect: "NoSchedule" }] },
    status: {
      conditions: [
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }
      ],
      addresses: [
        { type: "InternalIP", address: s.address },
        { type: "Hostname", address: s.initNodeName }
      ],
      nodeInfo: { kubeletVersion: s.kubernetesVersion }
    }
  })
}

/** Starts the cluster in the current scope: closing the scope stops the controllers, then the API server. */
export const make = (options: ClusterOptions = {}): Effect.Effect<ClusterService, ClusterStartError, Scope.Scope> =>
  Effect.gen(function* () {
    const s = settingsOf(options)
    const { pki, serving, admin } = yield* certificates(options, s)
    const server = yield* apiServer(options, s, pki, serving)
    const store = server.store
    const controlPlaneEndpoint =
      options.controlPlaneEndpoint === true ? server.endpoint : (options.controlPlaneEndpoint ?? "")
    const clusterEndpoint = controlPlaneEndpoint || server.endpoint
    const clusterUrl = `https://${clusterEndpoint}`

    // namespaces and RBAC first: everything else lives in them
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"])
      store.create("namespaces", { metadata: { name: ns } })
    for (const { resource, object } of initRbac(s.kubeletConfigMapNames)) store.create(resource, object)
    yield* controllers(store, pki, options.autoApproveCsrs ?? true)
    uploadConfiguration(store, options, s, pki, { clusterUrl, controlPlaneEndpoint, port: server.port })
    const createToken = tokenCreator(store)
    const tokens = (options.tokens ?? [{}]).map(createToken)
    const certificateKey = (options.uploadCerts ?? true) ? uploadCerts(store, options, s, pki) : ""
    if (options.registerInitNode ?? true) registerInitNode(store, s)

    const caHash = caCertHash(pki.ca.certPem)
    const token0 = tokens[0] ?? ""
    const worker = ["join", clusterEndpoint, "--token", token0, "--discovery-token-ca-cert-hash", caHash]
    const controlPlane = [
      ...worker,
      "--control-plane",
      ...(certificateKey ? ["--certificate-key", certificateKey] : [])
    ]
    const { clusterName } = s

    const adminKubeconfig = () =>
      clientCertKubeconfig({
        server: clusterUrl,
        caPem: pki.ca.certPem,
        certPem: admin.certPem,
        keyPem: admin.keyPem,
        clusterName,
        userName: "kubernetes-admin"
      })
    const bootstrapKubeconfig = (token?: string) =>
      tokenKubeconfig({ server: clusterUrl, caPem: pki.ca.certPem, token: token ?? token0, clusterName })
    const anon = () => anonymousKubeconfig({ server: clusterUrl, caPem: pki.ca.certPem })

    const cluster: ClusterService = {
      server,
      store,
      faults: server.faults,
      audit: server.audit,
      address: s.address,
      port: server.port,
      endpoint: server.endpoint,
      url: server.url,
      clusterEndpoint,
      controlPlaneEndpoint,
      kubernetesVersion: s.kubernetesVersion,
      clusterName,
      token: token0,
      tokens,
      caCertHash: caHash,
      certificateKey,
      pki,
      caPem: pki.ca.certPem,
      admin,
      serving,
      kubeletConfigMapNames: s.kubeletConfigMapNames,
      joinCommands: {
        worker,
        controlPlane,
        workerLine: ["kubeadm-ts", ...worker].join(" "),
        controlPlaneLine: ["kubeadm-ts", ...controlPlane].join(" ")
      },
      adminKubeconfig,
      bootstrapKubeconfig,
      anonymousKubeconfig: anon,
      clientKubeconfig: async (commonName, organizations = []) => {
        const c = await issue("ecdsa-p256", pki.ca, { commonName, organizations: [...organizations], usage: "client" })
        return clientCertKubeconfig({
          server: clusterUrl,
          caPem: pki.ca.certPem,
          certPem: c.certPem,
          keyPem: c.keyPem,
          clusterName,
          userName: commonName
        })
      },
      writeFiles: async (dir) => {
        await mkdir(dir, { recursive: true })
        const paths = {
          caCert: join(dir, "ca.crt"),
          adminKubeconfig: join(dir, "admin.conf"),
          bootstrapKubeconfig: join(dir, "bootstrap.conf"),
          anonymousKubeconfig: join(dir, "anonymous.conf")
        }
        await writeFile(paths.caCert, pki.ca.certPem, { mode: 0o644 })
        await writeFile(paths.adminKubeconfig, adminKubeconfig(), { mode: 0o600 })
        await writeFile(paths.bootstrapKubeconfig, bootstrapKubeconfig(), { mode: 0o600 })
        await writeFile(paths.anonymousKubeconfig, anon(), { mode: 0o600 })
        return paths
      },
      createToken,
      deleteToken: (t) => void store.delete("secrets", "kube-system", `bootstrap-token-${idOf(t)}`),
      expireToken: (t) => {
        const s = store.get("secrets", "kube-system", `bootstrap-token-${idOf(t)}`)
        if (!s) throw new Error(`no bootstrap token ${idOf(t)}`)
        const data = {
          ...(s["data"] as Record<string, string>),
          expiration: Buffer.from(new Date(Date.now() - 1000).toISOString()).toString("base64")
        }
        store.update("secrets", { ...s, data })
      },
      tamperClusterInfo: async (opts = {}) => {
        const fake = await tamperedClusterInfo(s.algorithm, clusterUrl)
        const signWith = (opts.resign ?? true) ? tokens : []
        return server.faults.rewrite(
          "tampered cluster-info",
          { method: "GET", path: "/api/v1/namespaces/kube-public/configmaps/cluster-info", user: "system:anonymous" },
          (body) => fake.rewrite(body, signWith)
        )
      },
      dropJws: (t) =>
        server.faults.rewrite(
          "dropped JWS",
          { method: "GET", path: "/api/v1/namespaces/kube-public/configmaps/cluster-info" },
          (body) => {
            const o = structuredClone(body) as KubeObject
            const data = o["data"] as Record<string, string> | undefined
            const dropped = (k: string) =>
              k.startsWith("jws-kubeconfig-") && (t === undefined || k === `jws-kubeconfig-${idOf(t)}`)
            if (data !== undefined) o["data"] = Object.fromEntries(Object.entries(data).filter(([k]) => !dropped(k)))
            return o
          }
        ),
      get: (resource, namespace, name) => store.get(resource, namespace, name)
    }
    return cluster
  })

/** The cluster as a layer: started when the layer is built, stopped when its scope closes. */
export const layer = (options: ClusterOptions = {}): Layer.Layer<Cluster, ClusterStartError> =>
  Layer.scoped(Cluster, make(options))

/**
 * Starts `acquire` in a scope of its own and returns its value with `close()`, which closes
 * that scope: the promise form for tests written with plain async functions.
 */
export const startInScope = async <A extends object, E>(
  acquire: Effect.Effect<A, E, Scope.Scope>
): Promise<A & { close(): Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(acquire, scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    throw Cause.squash(exit.cause)
  }
  return { ...exit.value, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
