/**
 * control-plane-prepare/kubeconfig: admin.conf, controller-manager.conf and
 * scheduler.conf (spec §4), each with a client certificate signed by the
 * cluster CA. An existing file is kept when it has the expected CA and server,
 * and is an error otherwise (1.20+ only warns about the server).
 */
import { Effect, Either } from "effect"
import { causeText } from "../cause-text.js"
import { privateKeyFromPem } from "../crypto/keys.js"
import { createCertificate } from "../crypto/lazy.js"
import { currentContext, parseKubeconfig, serializeKubeconfig, simpleKubeconfig } from "../kubeconfig/kubeconfig.js"
import { type ControlPlaneConfig, controlPlaneUrl, urlHost } from "../manifests/control-plane-config.js"
import { behaviourForVersion } from "../kubeadm-behaviour.js"
import { Output } from "../output.js"
import { RootFs, type RootFsError } from "../rootfs/index.js"
import type { Crypto } from "../crypto/crypto.js"
import { keyPem, newKeyPair, PkiError } from "./certs.js"

/** Where the control-plane kubeconfigs (admin.conf, controller-manager.conf, scheduler.conf) go. */
export const KUBECONFIG_DIR = "/etc/kubernetes"

/** One control-plane kubeconfig to write: its file, user, groups and server. */
export interface KubeconfigSpec {
  readonly file: "admin.conf" | "controller-manager.conf" | "scheduler.conf"
  readonly user: string
  readonly organizations: ReadonlyArray<string>
  readonly server: string
}

/** The kubeconfigs a joining control plane writes, with the server each points at for the cluster's version. */
export const kubeconfigSpecs = (cfg: ControlPlaneConfig): KubeconfigSpec[] => {
  const behaviour = behaviourForVersion(cfg.kubernetesVersion)
  const endpoint = controlPlaneUrl(cfg)
  const local = behaviour.localComponentKubeconfigs
    ? `https://${urlHost(cfg.advertiseAddress)}:${cfg.bindPort}`
    : endpoint
  return [
    {
      file: "admin.conf",
      user: "kubernetes-admin",
      organizations: [behaviour.adminOrganization],
      server: endpoint
    },
    { file: "controller-manager.conf", user: "system:kube-controller-manager", organizations: [], server: local },
    { file: "scheduler.conf", user: "system:kube-scheduler", organizations: [], server: local }
  ]
}

/** Writes missing control-plane kubeconfigs with certificates signed by the cluster CA; existing ones are checked and kept. */
export const ensureControlPlaneKubeconfigs = (
  cfg: ControlPlaneConfig
): Effect.Effect<
  { written: ReadonlyArray<string>; reused: ReadonlyArray<string> },
  PkiError | RootFsError,
  RootFs | Output | Crypto
> =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    yield* out.info("[kubeconfig] Generating kubeconfig files")
    yield* out.info(`[kubeconfig] Using kubeconfig folder "${KUBECONFIG_DIR}"`)
    const caCrtPath = `${cfg.certificatesDir}/ca.crt`
    const caKeyPath = `${cfg.certificatesDir}/ca.key`
    const loadCa = Effect.gen(function* () {
      const certPem = yield* fs.readText(caCrtPath)
      const keyText = yield* fs.readText(caKeyPath)
      const keys = yield* Effect.tryPromise({ try: () => privateKeyFromPem(keyText), catch: causeText })
      return { certPem, keys }
    })
    const ca = yield* loadCa.pipe(
      Effect.mapError(
        (e) =>
          new PkiError({
            reason: "Kubeconfig",
            detail: `couldn't create a kubeconfig; the CA files couldn't be loaded: ${typeof e === "string" ? e : e.message}`
          })
      )
    )
    const behaviour = behaviourForVersion(cfg.kubernetesVersion)
    const specs = kubeconfigSpecs(cfg)
    const todo: KubeconfigSpec[] = []
    const reused: string[] = []
    for (const spec of specs) {
      const path = `${KUBECONFIG_DIR}/${spec.file}`
      if (!(yield* fs.exists(path))) {
        todo.push(spec)
        continue
      }
      const parsed = parseKubeconfig(yield* fs.readText(path))
      if (Either.isLeft(parsed))
        return yield* new PkiError({
          reason: "Kubeconfig",
          detail: `failed to load kubeconfig file ${path} that already exists on disk: ${parsed.left.message}`
        })
      const k = parsed.right
      const ctx = currentContext(k)
      if (!ctx)
        return yield* new PkiError({
          reason: "Kubeconfig",
          detail: `failed to find CurrentContext in Contexts of the kubeconfig file ${path}`
        })
      const cluster = k.clusters.find((c) => c.name === ctx.cluster)
      if (!cluster)
        return yield* new PkiError({
          reason: "Kubeconfig",
          detail: `failed to find the cluster of the current context in the kubeconfig file ${path}`
        })
      if ((cluster.value.certificateAuthorityData ?? "").trim() !== ca.certPem.trim())
        return yield* new PkiError({
          reason: "Kubeconfig",
          detail: `a kubeconfig file "${path}" exists already but has got the wrong CA cert`
        })
      if (cluster.value.server !== spec.server) {
        if (!behaviour.localComponentKubeconfigs)
          return yield* new PkiError({
            reason: "Kubeconfig",
            detail: `a kubeconfig file "${path}" exists already but has got the wrong API Server URL`
          })
        yield* out.warn(
          `[kubeconfig] WARNING: a kubeconfig file "${path}" exists already but has an unexpected API Server URL: expected: ${spec.server}, got: ${cluster.value.server}`
        )
      }
      reused.push(spec.file)
    }
    const keyed = yield* Effect.forEach(
      todo,
      (spec) => Effect.map(newKeyPair(cfg.keyAlgorithm), (k) => ({ spec, k })),
      { concurrency: "unbounded" }
    )
    const files = yield* Effect.forEach(
      keyed,
      ({ spec, k }) =>
        Effect.gen(function* () {
          const certPem = yield* Effect.tryPromise({
            try: () =>
              createCertificate(
                k.publicKey,
                { commonName: spec.user, organizations: spec.organizations, extKeyUsages: ["client"] },
                ca
              ),
            catch: (e) =>
              new PkiError({
                reason: "Kubeconfig",
                detail: `failure while creating the ${spec.file} client certificate: ${causeText(e)}`
              })
          })
          const context = `${spec.user}@${cfg.clusterName}`
          const text = serializeKubeconfig(
            simpleKubeconfig({
              clusterName: cfg.clusterName,
              cluster: { server: spec.server, certificateAuthorityData: ca.certPem },
              userName: spec.user,
              user: { clientCertificateData: certPem, clientKeyData: yield* keyPem(k) },
              contextName: context
            })
          )
          return { spec, text }
        }),
      { concurrency: "unbounded" }
    )
    for (const spec of specs) {
      const path = `${KUBECONFIG_DIR}/${spec.file}`
      const f = files.find((x) => x.spec.file === spec.file)
      if (!f) {
        yield* out.info(`[kubeconfig] Using existing kubeconfig file: "${path}"`)
        continue
      }
      yield* out.info(`[kubeconfig] Writing "${spec.file}" kubeconfig file`)
      yield* fs.write(path, f.text, { mode: 0o600, dirMode: 0o755 })
    }
    return { written: files.map((f) => f.spec.file), reused }
  })
