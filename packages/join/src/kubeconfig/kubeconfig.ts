/**
 * Kubeconfig files: the `v1` `Config` YAML that cluster-info carries, that the
 * kubelet reads (`bootstrap-kubelet.conf`, `kubelet.conf`) and that control-plane
 * nodes get (`admin.conf`, ...). Parsing is total (junk gives a `KubeconfigError`,
 * never a throw); serialising emits the key order client tools use.
 *
 * Certificate and key data are kept as PEM text in memory (base64 only on disk).
 */
import { Data, Either, Predicate } from "effect"
import * as YAML from "yaml"

/** A kubeconfig that does not parse or has a field of the wrong type. */
export class KubeconfigError extends Data.TaggedError("KubeconfigError")<{ readonly detail: string }> {
  override get message() {
    return this.detail
  }
}

/** A `clusters[].cluster` entry: where the API server is and which CA to trust. */
export interface KubeCluster {
  readonly server: string
  /** PEM bundle from `certificate-authority-data`. */
  readonly certificateAuthorityData?: string
  /** `certificate-authority` file path. */
  readonly certificateAuthority?: string
  readonly insecureSkipTlsVerify?: boolean
}

/** A `users[].user` entry: a bearer token or a client certificate, inline or as file paths. */
export interface KubeUser {
  readonly token?: string
  readonly clientCertificateData?: string
  readonly clientKeyData?: string
  readonly clientCertificate?: string
  readonly clientKey?: string
}

/** A `contexts[].context` entry pairing a cluster with a user. */
export interface KubeContext {
  readonly cluster: string
  readonly user: string
  readonly namespace?: string
}

/** A kubeconfig list item: its name and its value. */
export interface Named<A> {
  readonly name: string
  readonly value: A
}

/** A parsed kubeconfig, only the fields the join reads and writes. */
export interface Kubeconfig {
  readonly clusters: ReadonlyArray<Named<KubeCluster>>
  readonly users: ReadonlyArray<Named<KubeUser>>
  readonly contexts: ReadonlyArray<Named<KubeContext>>
  readonly currentContext: string
}

const b64decode = (field: string, value: unknown): string => {
  if (typeof value !== "string") throw new KubeconfigError({ detail: `${field} must be a base64 string` })
  const clean = value.replace(/\s+/g, "")
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new KubeconfigError({ detail: `${field} is not valid base64` })
  return Buffer.from(clean, "base64").toString("utf8")
}
const b64encode = (text: string) => Buffer.from(text, "utf8").toString("base64")

// The tag, not the class (no instanceof on errors here): the field checks below throw it.
const isKubeconfigError = (e: unknown): e is KubeconfigError => Predicate.isTagged(e, "KubeconfigError")

const str = (field: string, value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") throw new KubeconfigError({ detail: `${field} must be a string` })
  return value
}

const list = (field: string, value: unknown): ReadonlyArray<Record<string, unknown>> => {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new KubeconfigError({ detail: `${field} must be a list` })
  return value.map((item, i) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new KubeconfigError({ detail: `${field}[${i}] must be a mapping` })
    }
    return item as Record<string, unknown>
  })
}

const obj = (field: string, value: unknown): Record<string, unknown> => {
  if (value === undefined || value === null) return {}
  if (typeof value !== "object" || Array.isArray(value))
    throw new KubeconfigError({ detail: `${field} must be a mapping` })
  return value as Record<string, unknown>
}

/** `a` without its undefined members, typed as optional members (exactOptionalPropertyTypes). */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>
}
const withDefined = <A extends object>(a: A): Defined<A> =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Defined<A>

/**
 * A YAML syntax error as "<what> at line L, column C": never the source line that the yaml
 * library quotes by default (a bad line may hold a token or key data).
 */
const yamlErrorText = (e: unknown, text: string): string => {
  if (!(e instanceof YAML.YAMLError)) return e instanceof Error ? (e.message.split("\n")[0] ?? "") : "unreadable"
  const before = text.slice(0, e.pos[0]).split("\n")
  return `${e.message} at line ${before.length}, column ${(before[before.length - 1] ?? "").length + 1}`
}

/** Parses kubeconfig YAML (or JSON). */
export const parseKubeconfig = (text: string): Either.Either<Kubeconfig, KubeconfigError> => {
  try {
    const doc: unknown = YAML.parse(text, { prettyErrors: false, maxAliasCount: 100, logLevel: "error" }) // bounded alias expansion: the text may come from the network
    if (doc === null || doc === undefined) throw new KubeconfigError({ detail: "the kubeconfig is empty" })
    const root = obj("kubeconfig", doc)
    const kind = str("kind", root["kind"])
    if (kind !== undefined && kind !== "Config")
      throw new KubeconfigError({ detail: `kind "${kind}" is not a kubeconfig (want Config)` })
    const clusters = list("clusters", root["clusters"]).map((c, i): Named<KubeCluster> => {
      const cl = obj(`clusters[${i}].cluster`, c["cluster"])
      const ca = cl["certificate-authority-data"]
      return {
        name: str(`clusters[${i}].name`, c["name"]) ?? "",
        value: withDefined({
          server: str(`clusters[${i}].cluster.server`, cl["server"]) ?? "",
          certificateAuthorityData:
            ca === undefined || ca === null
              ? undefined
              : b64decode(`clusters[${i}].cluster.certificate-authority-data`, ca),
          certificateAuthority: str(`clusters[${i}].cluster.certificate-authority`, cl["certificate-authority"]),
          insecureSkipTlsVerify: cl["insecure-skip-tls-verify"] === true ? true : undefined
        })
      }
    })
    const users = list("users", root["users"]).map((u, i): Named<KubeUser> => {
      const us = obj(`users[${i}].user`, u["user"])
      const data = (k: string) =>
        us[k] === undefined || us[k] === null ? undefined : b64decode(`users[${i}].user.${k}`, us[k])
      return {
        name: str(`users[${i}].name`, u["name"]) ?? "",
        value: withDefined({
          token: str(`users[${i}].user.token`, us["token"]),
          clientCertificateData: data("client-certificate-data"),
          clientKeyData: data("client-key-data"),
          clientCertificate: str(`users[${i}].user.client-certificate`, us["client-certificate"]),
          clientKey: str(`users[${i}].user.client-key`, us["client-key"])
        })
      }
    })
    const contexts = list("contexts", root["contexts"]).map((c, i): Named<KubeContext> => {
      const cx = obj(`contexts[${i}].context`, c["context"])
      return {
        name: str(`contexts[${i}].name`, c["name"]) ?? "",
        value: withDefined({
          cluster: str(`contexts[${i}].context.cluster`, cx["cluster"]) ?? "",
          user: str(`contexts[${i}].context.user`, cx["user"]) ?? "",
          namespace: str(`contexts[${i}].context.namespace`, cx["namespace"])
        })
      }
    })
    return Either.right({
      clusters,
      users,
      contexts,
      currentContext: str("current-context", root["current-context"]) ?? ""
    })
  } catch (e) {
    // the field checks above throw their KubeconfigError; anything else is the YAML parser's
    if (isKubeconfigError(e)) return Either.left(e)
    return Either.left(new KubeconfigError({ detail: `not valid YAML: ${yamlErrorText(e, text)}` }))
  }
}

/** Serialises in the layout client tools emit (keys sorted, `preferences: {}`). */
export const serializeKubeconfig = (k: Kubeconfig): string => {
  const doc = {
    apiVersion: "v1",
    clusters: k.clusters.map((c) => ({
      cluster: withDefined({
        "certificate-authority": c.value.certificateAuthority,
        "certificate-authority-data":
          c.value.certificateAuthorityData === undefined ? undefined : b64encode(c.value.certificateAuthorityData),
        "insecure-skip-tls-verify": c.value.insecureSkipTlsVerify,
        server: c.value.server
      }),
      name: c.name
    })),
    contexts: k.contexts.map((c) => ({
      context: withDefined({ cluster: c.value.cluster, namespace: c.value.namespace, user: c.value.user }),
      name: c.name
    })),
    "current-context": k.currentContext,
    kind: "Config",
    preferences: {},
    users: k.users.map((u) => ({
      name: u.name,
      user: withDefined({
        "client-certificate": u.value.clientCertificate,
        "client-certificate-data":
          u.value.clientCertificateData === undefined ? undefined : b64encode(u.value.clientCertificateData),
        "client-key": u.value.clientKey,
        "client-key-data": u.value.clientKeyData === undefined ? undefined : b64encode(u.value.clientKeyData),
        token: u.value.token
      })
    }))
  }
  return YAML.stringify(doc, { version: "1.1", lineWidth: 0, indentSeq: false })
}

/** The context named by current-context, if any. */
export const currentContext = (k: Kubeconfig): KubeContext | undefined =>
  k.contexts.find((c) => c.name === k.currentContext)?.value

/** The cluster of the current context, else the only / unnamed cluster. */
export const selectCluster = (k: Kubeconfig): Named<KubeCluster> | undefined => {
  const ctx = currentContext(k)
  if (ctx !== undefined) {
    const c = k.clusters.find((c) => c.name === ctx.cluster)
    if (c !== undefined) return c
  }
  return k.clusters.find((c) => c.name === "") ?? (k.clusters.length === 1 ? k.clusters[0] : undefined)
}

/** The user of the current context. */
export const selectUser = (k: Kubeconfig): Named<KubeUser> | undefined => {
  const ctx = currentContext(k)
  if (ctx === undefined) return k.users.length === 1 ? k.users[0] : undefined
  return k.users.find((u) => u.name === ctx.user)
}

/** A single-cluster, single-user kubeconfig. */
export const simpleKubeconfig = (options: {
  readonly clusterName: string
  readonly cluster: KubeCluster
  readonly userName: string
  readonly user: KubeUser
  readonly contextName: string
  readonly namespace?: string
}): Kubeconfig => ({
  clusters: [{ name: options.clusterName, value: options.cluster }],
  users: [{ name: options.userName, value: options.user }],
  contexts: [
    {
      name: options.contextName,
      value: withDefined({ cluster: options.clusterName, user: options.userName, namespace: options.namespace })
    }
  ],
  currentContext: options.contextName
})

/**
 * `bootstrap-kubelet.conf` (spec §4): the discovered server and CA with the TLS
 * bootstrap token as user `tls-bootstrap-token-user`.
 */
export const bootstrapKubeconfig = (options: {
  readonly server: string
  readonly caPem: string
  readonly token: string
  readonly clusterName?: string
}): Kubeconfig => {
  const clusterName = options.clusterName ?? "kubernetes"
  return {
    clusters: [{ name: clusterName, value: { server: options.server, certificateAuthorityData: options.caPem } }],
    users: [{ name: "tls-bootstrap-token-user", value: { token: options.token } }],
    contexts: [
      { name: "tls-bootstrap-token-user@kubernetes", value: { cluster: clusterName, user: "tls-bootstrap-token-user" } }
    ],
    currentContext: "tls-bootstrap-token-user@kubernetes"
  }
}

/** Where the kubelet keeps its rotating client certificate and key (one PEM). */
export const KUBELET_CLIENT_CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem"

/**
 * The same file as seen from `/etc/kubernetes/kubelet.conf`: client tools resolve
 * relative references against the kubeconfig's folder, so this works inside the
 * node (or chroot) AND from the host for a `--rootfs` join.
 */
export const KUBELET_CLIENT_CURRENT_RELATIVE = "../../var/lib/kubelet/pki/kubelet-client-current.pem"

/**
 * `kubelet.conf` as the kubelet writes it after its TLS bootstrap (spec §6.4):
 * cluster `default-cluster`, user `default-auth` pointing at the current client PEM.
 */
export const kubeletKubeconfig = (options: {
  readonly server: string
  /** Inline CA (`certificate-authority-data`) or, with `caFile`, a file reference (`certificate-authority`). */
  readonly caPem?: string
  readonly caFile?: string
  readonly clientPemPath?: string
}): Kubeconfig =>
  simpleKubeconfig({
    clusterName: "default-cluster",
    cluster: withDefined({
      server: options.server,
      certificateAuthorityData: options.caPem,
      certificateAuthority: options.caFile
    }),
    userName: "default-auth",
    user: {
      clientCertificate: options.clientPemPath ?? KUBELET_CLIENT_CURRENT,
      clientKey: options.clientPemPath ?? KUBELET_CLIENT_CURRENT
    },
    contextName: "default-context",
    namespace: "default"
  })
