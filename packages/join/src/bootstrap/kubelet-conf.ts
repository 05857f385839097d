/**
 * The kubeconfig the kubelet writes once it has bootstrapped (spec 6.4 step 1): cluster
 * `default-cluster`, user `default-auth` whose certificate and key both point at
 * `kubelet-client-current.pem`, context `default-context` (namespace `default`).
 */
import { stringify } from "yaml"

export const KUBELET_CLIENT_CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem"

export interface KubeletConfSpec {
  readonly server: string
  /** Inline CA (as `certificate-authority-data`) or a file path (as `certificate-authority`). */
  readonly ca: { readonly pem: string } | { readonly file: string }
  /** Default `/var/lib/kubelet/pki/kubelet-client-current.pem`. */
  readonly clientPemPath?: string
}

export const kubeletKubeconfig = (spec: KubeletConfSpec): string => {
  const pemPath = spec.clientPemPath ?? KUBELET_CLIENT_CURRENT
  const ca = "pem" in spec.ca
    ? { "certificate-authority-data": Buffer.from(spec.ca.pem).toString("base64") }
    : { "certificate-authority": spec.ca.file }
  return stringify({
    apiVersion: "v1",
    clusters: [{ cluster: { ...ca, server: spec.server }, name: "default-cluster" }],
    contexts: [{ context: { cluster: "default-cluster", namespace: "default", user: "default-auth" }, name: "default-context" }],
    "current-context": "default-context",
    kind: "Config",
    preferences: {},
    users: [{ name: "default-auth", user: { "client-certificate": pemPath, "client-key": pemPath } }]
  })
}
