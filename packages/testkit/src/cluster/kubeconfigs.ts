/** Kubeconfig documents the testkit hands out: cluster-info's, admin (client certificate), bootstrap token. */
import { stringify } from "yaml"

const b64 = (s: string) => Buffer.from(s).toString("base64")

/** As kubeadm init serialises it into cluster-info: one unnamed cluster, no users/contexts. */
export const clusterInfoKubeconfig = (server: string, caPem: string): string =>
  stringify({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": b64(caPem), server }, name: "" }],
    contexts: null,
    "current-context": "",
    kind: "Config",
    preferences: {},
    users: null
  })

/** A kubeconfig that authenticates with an embedded client certificate, as admin.conf and the component kubeconfigs do. */
export const clientCertKubeconfig = (opts: {
  server: string
  caPem: string
  certPem: string
  keyPem: string
  clusterName?: string
  userName: string
}): string => {
  const cluster = opts.clusterName ?? "kubernetes"
  const context = `${opts.userName}@${cluster}`
  return stringify({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": b64(opts.caPem), server: opts.server }, name: cluster }],
    contexts: [{ context: { cluster, user: opts.userName }, name: context }],
    "current-context": context,
    kind: "Config",
    preferences: {},
    users: [
      {
        name: opts.userName,
        user: { "client-certificate-data": b64(opts.certPem), "client-key-data": b64(opts.keyPem) }
      }
    ]
  })
}

/** The TLS-bootstrap kubeconfig shape (spec 4) with the given token. */
export const tokenKubeconfig = (opts: {
  server: string
  caPem: string
  token: string
  clusterName?: string
}): string => {
  const cluster = opts.clusterName ?? "kubernetes"
  return stringify({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": b64(opts.caPem), server: opts.server }, name: cluster }],
    contexts: [{ context: { cluster, user: "tls-bootstrap-token-user" }, name: `tls-bootstrap-token-user@${cluster}` }],
    "current-context": `tls-bootstrap-token-user@${cluster}`,
    kind: "Config",
    preferences: {},
    users: [{ name: "tls-bootstrap-token-user", user: { token: opts.token } }]
  })
}

/** No credentials at all: requests are anonymous. */
export const anonymousKubeconfig = (opts: { server: string; caPem: string }): string =>
  stringify({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": b64(opts.caPem), server: opts.server }, name: "kubernetes" }],
    contexts: [{ context: { cluster: "kubernetes", user: "anonymous" }, name: "anonymous@kubernetes" }],
    "current-context": "anonymous@kubernetes",
    kind: "Config",
    preferences: {},
    users: [{ name: "anonymous", user: {} }]
  })
