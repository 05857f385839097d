/**
 * Preflight for a control-plane join (spec join-node §7.4, join-control-plane
 * §1.4): the controlPlaneEndpoint / shared-certificates gate, then kubeadm's
 * extra checks. Ports are checked on the advertise address, where the
 * components will listen (so simulated nodes on distinct loopback addresses
 * don't see each other's listeners).
 */
import { createServer } from "node:net"
import { cpus } from "node:os"
import { check, type Check, CheckOutcome, type IgnoreSet, runChecks } from "@kubeadm-ts/workflow"
import { Effect } from "effect"
import { dirAvailable, fileAvailable, httpProxyCheck } from "../host/checks.js"
import { JoinContext } from "../join-context.js"
import { type ControlPlaneConfig, urlHost } from "../manifests/control-plane-config.js"
import { MANIFESTS_DIR } from "../manifests/static-pods.js"
import { parseCertificate } from "../crypto/lazy.js"
import { privateKeyFromPem } from "../crypto/keys.js"
import { Output } from "../output.js"
import { RootFs } from "../rootfs/index.js"
import { ControlPlaneJoinError, controlPlaneConfig } from "./control-plane-shared.js"

export const CONTROL_PLANE_GATE_HELP = [
  "Please ensure that:",
  "* The cluster has a stable controlPlaneEndpoint address.",
  "* The certificates that must be shared among control plane instances are provided."
].join("\n")

export const gateError = (error: string) =>
  new ControlPlaneJoinError({
    message: `\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n${error}\n\n${CONTROL_PLANE_GATE_HELP}\n`
  })

export const NO_ENDPOINT =
  "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address: " +
  "this cluster was initialised without --control-plane-endpoint, so every kubeconfig and certificate points at its first API server " +
  "and a second one cannot be added (re-create the cluster with `kubeadm init --control-plane-endpoint <load balancer or DNS name>`)"

/** SharedCertificateExists: without a certificate key, the shared CAs and SA keys must already be on disk. */
export const sharedCertificatesExist = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const dir = cfg.certificatesDir
    const loadCert = (base: string, ux: string) =>
      Effect.gen(function* () {
        const path = `${dir}/${base}.crt`
        const text = yield* fs.readText(path).pipe(
          Effect.mapError(() => `failure loading certificate for ${ux}: couldn't load the certificate file ${path}: open ${path}: no such file or directory`)
        )
        const info = yield* Effect.tryPromise({ try: () => parseCertificate(text), catch: (e) => `failure loading certificate for ${ux}: ${e instanceof Error ? e.message : String(e)}` })
        if (!info.isCA) return yield* Effect.fail(`certificate ${ux} is not a CA`)
      })
    const loadKey = (base: string, what: string) =>
      Effect.gen(function* () {
        const path = `${dir}/${base}`
        const text = yield* fs.readText(path).pipe(Effect.mapError(() => `failure loading key for ${what}: couldn't load the private key file ${path}: open ${path}: no such file or directory`))
        yield* Effect.tryPromise({ try: () => privateKeyFromPem(text), catch: (e) => `failure loading key for ${what}: ${e instanceof Error ? e.message : String(e)}` })
      })
    yield* loadCert("ca", "CA")
    yield* loadKey("ca.key", "CA")
    yield* loadKey("sa.key", "service account")
    yield* fs.readText(`${dir}/sa.pub`).pipe(Effect.mapError(() => `failure loading key for service account: couldn't load the public key file ${dir}/sa.pub`))
    yield* loadCert("front-proxy-ca", "front-proxy CA")
    yield* loadKey("front-proxy-ca.key", "front-proxy CA")
    if (cfg.etcd.local) {
      yield* loadCert("etcd/ca", "etcd CA")
      yield* loadKey("etcd/ca.key", "etcd CA")
    }
  })

/** Port-<n>: can `port` be bound on the address the component will listen on? */
export const portFree = (address: string, port: number): Check<never> =>
  check(
    `Port-${port}`,
    Effect.async<CheckOutcome>((resume) => {
      const s = createServer()
      s.once("error", (e: NodeJS.ErrnoException) =>
        resume(Effect.succeed(e.code === "EADDRINUSE" ? CheckOutcome.fail(`Port ${port} is in use`) : CheckOutcome.pass))
      )
      s.listen({ port, host: address, exclusive: true }, () => s.close(() => resume(Effect.succeed(CheckOutcome.pass))))
    })
  )

export const numCpu = (count = cpus().length): Check<never> =>
  check("NumCPU", Effect.succeed(count < 2 ? CheckOutcome.fail(`the number of available CPUs ${count} is less than the required 2`) : CheckOutcome.pass))

/** External etcd without a certificate key: the client files the API server will use must be on the node. */
export const externalEtcdClientCertificates = (files: ReadonlyArray<string>): Check<RootFs> =>
  check(
    "ExternalEtcdClientCertificates",
    Effect.gen(function* () {
      const fs = yield* RootFs
      const missing: string[] = []
      for (const f of files) if (!(yield* fs.exists(f))) missing.push(`${f} doesn't exist`)
      return missing.length > 0 ? CheckOutcome.fail(...missing) : CheckOutcome.pass
    }).pipe(Effect.catchAll((e) => Effect.succeed(CheckOutcome.fail(e.message))))
  )

/** The extra checks of a control-plane join, in kubeadm's order. */
export const controlPlaneChecks = (cfg: ControlPlaneConfig, options: { readonly certificateKey: boolean } = { certificateKey: true }) => {
  const adv = cfg.advertiseAddress
  const checks: Array<Check<RootFs | import("../host/host.js").Host>> = [
    numCpu(),
    portFree(adv, cfg.bindPort),
    portFree(adv, 10259),
    portFree(adv, 10257),
    fileAvailable(`${MANIFESTS_DIR}/kube-apiserver.yaml`),
    fileAvailable(`${MANIFESTS_DIR}/kube-controller-manager.yaml`),
    fileAvailable(`${MANIFESTS_DIR}/kube-scheduler.yaml`),
    fileAvailable(`${MANIFESTS_DIR}/etcd.yaml`),
    httpProxyCheck(`${urlHost(adv)}:${cfg.bindPort}`)
  ]
  if (cfg.etcd.local) checks.push(portFree(adv, 2379), portFree(adv, 2380), dirAvailable(cfg.etcd.local.dataDir))
  const ext = cfg.etcd.external
  if (ext && !options.certificateKey) {
    const files = [ext.caFile, ext.certFile, ext.keyFile].filter((f) => f !== "")
    if (files.length > 0) checks.push(externalEtcdClientCertificates(files))
  }
  return checks
}

/** The whole control-plane part of preflight (run after the cluster configuration is known). */
export const controlPlanePreflight = (ignore: IgnoreSet, onWarning: (line: string) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    const { config } = yield* JoinContext
    const out = yield* Output
    const cfg = yield* controlPlaneConfig
    if (cfg.controlPlaneEndpoint === "") return yield* gateError(NO_ENDPOINT)
    if ((config.controlPlane?.certificateKey ?? "") === "") yield* sharedCertificatesExist(cfg).pipe(Effect.mapError(gateError))
    yield* out.info("[preflight] Running pre-flight checks before initializing the new control plane instance")
    yield* runChecks(controlPlaneChecks(cfg, { certificateKey: (config.controlPlane?.certificateKey ?? "") !== "" }), ignore, onWarning)
  })
