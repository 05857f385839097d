/**
 * The in-process TLS bootstrap (`--self-tls-bootstrap`): the CSR bootstrap with the bootstrap
 * token, then exactly the files a kubelet writes after its own bootstrap, and the Node
 * registered with the new identity, as the kubelet would on first start.
 */
import { Clock, Effect, Either } from "effect"
import type { KubeletBootstrapService, BootstrapInput } from "../../bootstrap/kubelet-bootstrap.js"
import { tlsBootstrap } from "../../bootstrap/tls-bootstrap.js"
import type { Crypto } from "../../crypto/crypto.js"
import type { Health } from "../../health/health.js"
import { Host } from "../../host/host.js"
import { KubeApi } from "../../kube-api/kube-api.js"
import {
  KUBELET_CLIENT_CURRENT,
  KUBELET_CLIENT_CURRENT_RELATIVE,
  kubeletKubeconfig,
  selectCluster,
  serializeKubeconfig
} from "../../kubeconfig/kubeconfig.js"
import { KubeletError } from "../../kubelet/errors.js"
import { clientPemName, KUBELET_CONF, KUBELET_PKI_DIR } from "../../kubelet/files.js"
import { ownNodeCredential } from "../../kubelet/own-credential.js"
import { waitForTlsBootstrap } from "../../kubelet/wait.js"
import { Output } from "../../output.js"
import { RootFs } from "../../rootfs/rootfs.js"
import { awaitHealthy } from "./external.js"

/** Labels a kubelet puts on the Node it registers. */
export const nodeLabels = (nodeName: string): Record<string, string> => {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "arm64" ? "arm64" : process.arch
  return {
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": arch,
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": arch
  }
}

/**
 * ECDSA P-256 key, CSR for `system:node:<name>` / `system:nodes`, wait for approval and the
 * certificate, then the kubelet's files: `kubelet-client-<date>.pem` (certificate + key, 0600),
 * the `kubelet-client-current.pem` symlink, and `kubelet.conf` (0600) pointing at it. Finally
 * the Node is registered with the new identity.
 */
export const selfBootstrap = (input: Pick<BootstrapInput, "bootstrap" | "nodeName" | "csrApiVersion" | "timeout">) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    const api = yield* KubeApi
    const cluster = selectCluster(input.bootstrap)?.value
    const server = cluster?.server ?? ""
    const caPem = cluster?.certificateAuthorityData ?? ""
    const result = yield* tlsBootstrap({
      kubeconfig: input.bootstrap,
      nodeName: input.nodeName,
      apiVersion: input.csrApiVersion,
      ...(input.timeout !== undefined ? { timeout: input.timeout } : {}),
      onProgress: (p) => {
        switch (p.kind) {
          case "csr-created":
            return out.info(
              `[kubelet-start] Certificate signing request "${p.csrName}" sent for "system:node:${input.nodeName}"`
            )
          case "pending":
            return out.info(`[kubelet-start] Waiting for "${p.csrName}": ${p.detail}`)
          case "retrying":
            return out.detail(
              1,
              `[kubelet-start] Retrying ${p.request} in ${p.delayMs}ms (attempt ${p.attempt}): ${p.cause}`
            )
          case "issued":
            return out.info(
              `[kubelet-start] Certificate signing request "${p.csrName}" was approved and the certificate issued`
            )
        }
      }
    })
    const pemName = clientPemName(new Date(yield* Clock.currentTimeMillis))
    yield* fs.mkdir(KUBELET_PKI_DIR, 0o755)
    yield* fs.write(`${KUBELET_PKI_DIR}/${pemName}`, result.combinedPem, { mode: 0o600 })
    yield* fs.symlink(pemName, KUBELET_CLIENT_CURRENT)
    yield* fs.write(
      KUBELET_CONF,
      serializeKubeconfig(kubeletKubeconfig({ server, caPem, clientPemPath: KUBELET_CLIENT_CURRENT_RELATIVE })),
      { mode: 0o600 }
    )

    // Its own identity may create its own Node.
    const node = yield* api.client({
      clusters: [{ name: "default-cluster", value: { server, certificateAuthorityData: caPem } }],
      users: [{ name: "default-auth", value: { clientCertificateData: result.certPem, clientKeyData: result.keyPem } }],
      contexts: [{ name: "default-context", value: { cluster: "default-cluster", user: "default-auth" } }],
      currentContext: "default-context"
    })
    yield* node.createNode({ name: input.nodeName, labels: nodeLabels(input.nodeName) }).pipe(
      Effect.catchIf(
        (e) => e.reason === "AlreadyExists" || e.reason === "Conflict",
        () => Effect.void
      )
    )
    yield* out.info(`[kubelet-start] Registered Node "${input.nodeName}" with the new client certificate`)
  }).pipe(
    Effect.catchTags({
      TlsBootstrapError: (cause) =>
        Effect.fail(
          new KubeletError({ reason: "SelfBootstrapFailed", node: input.nodeName, detail: cause.message, cause })
        ),
      RootFsError: (cause) =>
        Effect.fail(
          new KubeletError({ reason: "SelfBootstrapFailed", node: input.nodeName, detail: cause.message, cause })
        ),
      KubeApiError: (cause) =>
        Effect.fail(
          new KubeletError({ reason: "SelfBootstrapFailed", node: input.nodeName, detail: cause.message, cause })
        )
    })
  )

/** The in-process layer's service, its methods bound to the layer's context. */
export const make = Effect.gen(function* () {
  const context = yield* Effect.context<RootFs | Output | Host | Crypto | Health | KubeApi>()
  const service: KubeletBootstrapService = {
    beforeKubeletStart: (input) =>
      Effect.gen(function* () {
        const out = yield* Output
        // A resumed join (the Node exists and kubelet.conf holds its valid credentials) needs no
        // new certificate: a kubelet with a usable kubelet.conf does not bootstrap again either.
        // Without the Node the bootstrap runs again, since it also registers the Node.
        const resumed =
          input.existing === "ours" ||
          (input.existing === "not-ready" && Either.isRight(yield* ownNodeCredential(input.nodeName, input.caPem)))
        if (resumed) {
          return yield* out.info(
            `[kubelet-start] ${KUBELET_CONF} already holds a valid client certificate for "system:node:${input.nodeName}": no new TLS Bootstrap`
          )
        }
        yield* out.info("[kubelet-start] Performing the kubelet's TLS Bootstrap in-process (--self-tls-bootstrap)")
        yield* selfBootstrap(input)
      }).pipe(Effect.provide(context)),
    // The bootstrap needs no kubelet; one that an init system runs is still checked.
    awaitHealthy: (timeout) =>
      Effect.gen(function* () {
        const host = yield* Host
        if (yield* host.processRunning("kubelet")) return yield* awaitHealthy(timeout)
        yield* Effect.flatMap(Output, (out) =>
          out.info(
            "[kubelet-check] Skipping the kubelet health check: no kubelet runs here and --self-tls-bootstrap did the TLS Bootstrap"
          )
        )
      }).pipe(Effect.provide(context)),
    // kubelet.conf is there already: this only checks it, without announcing a wait for a kubelet
    awaitBootstrap: (input) => waitForTlsBootstrap(input.timeout, "").pipe(Effect.provide(context))
  }
  return service
})
