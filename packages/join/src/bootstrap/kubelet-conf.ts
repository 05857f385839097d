/**
 * The kubeconfig the kubelet writes once it has bootstrapped (spec 6.4 step 1), as YAML text
 * for callers outside Effect (the testkit's fake kubelet); the layout is the kubeconfig module's.
 */
import {
  KUBELET_CLIENT_CURRENT,
  kubeletKubeconfig as kubeletConf,
  serializeKubeconfig
} from "../kubeconfig/kubeconfig.js"

export { KUBELET_CLIENT_CURRENT }

/** Where kubelet.conf points: the server, the CA (inline or a file), the client PEM. */
export interface KubeletConfSpec {
  readonly server: string
  /** Inline CA (as `certificate-authority-data`) or a file path (as `certificate-authority`). */
  readonly ca: { readonly pem: string } | { readonly file: string }
  /** Default `/var/lib/kubelet/pki/kubelet-client-current.pem`. */
  readonly clientPemPath?: string
}

/** kubelet.conf as YAML text. */
export const kubeletKubeconfig = (spec: KubeletConfSpec): string =>
  serializeKubeconfig(
    kubeletConf({
      server: spec.server,
      ...("pem" in spec.ca ? { caPem: spec.ca.pem } : { caFile: spec.ca.file }),
      ...(spec.clientPemPath !== undefined ? { clientPemPath: spec.clientPemPath } : {})
    })
  )
