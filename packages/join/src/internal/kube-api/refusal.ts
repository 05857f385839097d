/** The clients that must not be built: credentials over an unverified connection, or no CA to verify with. */
import type { ClientOptions } from "../../kube-api/kube-api.js"

/**
 * Why a client must not be built, when credentials would go over an unverified connection (to
 * whoever answers): a kubeconfig that sets insecure-skip-tls-verify together with a token or a
 * client certificate, or an explicitly insecure client that carries them.
 */
export const insecureRefusal = (
  cluster: { readonly insecureSkipTlsVerify?: boolean | undefined },
  user: { readonly token?: string | undefined; readonly clientCertificateData?: string | undefined },
  options: ClientOptions | undefined
): string | undefined => {
  const credentials = user.token !== undefined || user.clientCertificateData !== undefined
  if (!credentials) return undefined
  if (cluster.insecureSkipTlsVerify === true) {
    return "the kubeconfig sets insecure-skip-tls-verify together with credentials (token or client certificate); refusing to send them to an unverified server"
  }
  if (options?.insecureSkipTlsVerify === true)
    return "an insecure (unverified) client may not carry credentials (token or client certificate)"
  return undefined
}

/** A verified client needs a CA: an empty one makes node:https trust the public roots instead. */
export const emptyCaRefusal = (
  cluster: { readonly certificateAuthorityData?: string | undefined },
  options: ClientOptions | undefined
): string | undefined =>
  options?.insecureSkipTlsVerify !== true && (cluster.certificateAuthorityData ?? "").trim() === ""
    ? "the kubeconfig has no certificate-authority-data to verify the server with (an empty CA would trust the public roots)"
    : undefined
