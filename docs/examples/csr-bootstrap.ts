/**
 * The kubelet's CSR TLS bootstrap, in-process: with the bootstrap token, create a
 * CertificateSigningRequest for `system:node:<name>`, wait for the cluster to approve and
 * sign it, and keep the key and certificate (what the kubelet writes to
 * kubelet-client-current.pem). Discovery first, so the token only goes to the pinned cluster.
 */
import { Effect } from "effect"
import * as bootstrap from "@kubeadm-ts/join/bootstrap"
import * as kubeApi from "@kubeadm-ts/join/kube-api"
import * as kubeconfig from "@kubeadm-ts/join/kubeconfig"
import { discoverCluster } from "./token-discovery.js"

/** A node client certificate and its key, obtained with a bootstrap token. */
export const bootstrapNodeCredentials = (
  endpoint: string,
  token: string,
  pins: ReadonlyArray<string>,
  nodeName: string
) =>
  Effect.gen(function* () {
    const cluster = yield* discoverCluster(endpoint, token, pins)
    // bootstrap-kubelet.conf, as kubeadm writes it: the verified server and CA, and the token.
    const bootstrapConf = kubeconfig.simpleKubeconfig({
      clusterName: "kubernetes",
      cluster: { server: cluster.server, certificateAuthorityData: cluster.caPem },
      userName: "tls-bootstrap-token-user",
      user: { token },
      contextName: "tls-bootstrap-token-user@kubernetes"
    })
    const issued = yield* bootstrap.tlsBootstrap({ kubeconfig: bootstrapConf, nodeName, timeout: "60 seconds" })
    return { csrName: issued.csrName, certPem: issued.certPem, keyPem: issued.keyPem }
  }).pipe(Effect.provide(kubeApi.layer))
