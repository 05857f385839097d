/**
 * Reads the API target (server, CA, credentials) out of a kubeconfig, as the kubelet reads its
 * bootstrap kubeconfig: the current context's cluster and user. File references are resolved by
 * the caller's `readFile` (e.g. relative to a rootfs).
 */
import { Either } from "effect"
import { parseKubeconfig, selectCluster, selectUser } from "../kubeconfig/kubeconfig.js"
import { BootstrapConfigError } from "./errors.js"
import type { ApiTarget } from "./http.js"

export const targetFromKubeconfig = (
  text: string,
  readFile: (path: string) => string = () => {
    throw new BootstrapConfigError({ message: "the kubeconfig references a file, but no file reader was given" })
  }
): ApiTarget => {
  // The kubeconfig module's parser: its errors name the field or the line and column, never
  // the source text (a bad line may hold `token:` or `client-key-data:`).
  const parsed = parseKubeconfig(text)
  if (Either.isLeft(parsed)) throw new BootstrapConfigError({ message: `cannot parse the kubeconfig: ${parsed.left.message}` })
  const k = parsed.right
  const cluster = selectCluster(k)?.value
  const user = selectUser(k)?.value ?? {}
  if (cluster === undefined || cluster.server === "")
    throw new BootstrapConfigError({ message: "the kubeconfig has no cluster with a server for its current context" })
  const caPem = cluster.certificateAuthorityData ?? (cluster.certificateAuthority ? readFile(cluster.certificateAuthority) : undefined)
  if (!caPem) throw new BootstrapConfigError({ message: "the kubeconfig's cluster has no certificate authority" })
  const pick = (data: string | undefined, file: string | undefined): string | undefined =>
    data ? data : file ? readFile(file) : undefined
  return {
    server: cluster.server,
    caPem,
    token: user.token,
    clientCertPem: pick(user.clientCertificateData, user.clientCertificate),
    clientKeyPem: pick(user.clientKeyData, user.clientKey)
  }
}
