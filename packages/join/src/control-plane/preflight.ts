/**
 * Preflight for a control-plane join (spec join-node §7.4, join-control-plane
 * §1.4): the controlPlaneEndpoint / shared-certificates gate, then kubeadm's
 * extra checks. Ports are checked on the advertise address, where the
 * components will listen (so simulated nodes on distinct loopback addresses
 * don't see each other's listeners).
 */
import { reportedChecks } from "../events/observe.js"
import { check, type Check, CheckOutcome, type IgnoreSet, runChecks } from "@kubeadm-ts/workflow"
import { Effect, Either, Option } from "effect"
import { dirAvailable, fileAvailable, httpProxyCheck } from "../host/checks.js"
import { Host } from "../host/host.js"
import { firstHostIp } from "../pki/ip.js"
import { JoinContext } from "../join-context.js"
import { type ControlPlaneConfig, urlHost } from "../manifests/control-plane-config.js"
import { MANIFESTS_DIR } from "../manifests/static-pods.js"
import { parseCertificate } from "../crypto/lazy.js"
import { privateKeyFromPem } from "../crypto/keys.js"
import { Output } from "../output.js"
import { causeText } from "../cause-text.js"
import { isIP } from "../internal/net/ip.js"
import { RootFs } from "../rootfs/rootfs.js"
import { controlPlaneConfig } from "./config.js"
import { ControlPlaneJoinError } from "./errors.js"
import { checkManifestPatches } from "./manifests.js"

export { CONTROL_PLANE_GATE_HELP } from "./errors.js"

/** A condition for hosting a new control plane instance is not met. */
export const gateError = (detail: string, cause?: unknown) =>
  new ControlPlaneJoinError({ reason: "Gate", detail, ...(cause === undefined ? {} : { cause }) })

/** Why a cluster without `controlPlaneEndpoint` cannot take a second control plane. */
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
        const text = yield* fs
          .readText(path)
          .pipe(
            Effect.mapError((e) =>
              gateError(
                `failure loading certificate for ${ux}: couldn't load the certificate file ${path}: open ${path}: no such file or directory`,
                e
              )
            )
          )
        const info = yield* Effect.tryPromise({
          try: () => parseCertificate(text),
          catch: (e) => gateError(`failure loading certificate for ${ux}: ${causeText(e)}`, e)
        })
        if (!info.isCA) return yield* gateError(`certificate ${ux} is not a CA`)
      })
    const loadKey = (base: string, what: string) =>
      Effect.gen(function* () {
        const path = `${dir}/${base}`
        const text = yield* fs
          .readText(path)
          .pipe(
            Effect.mapError((e) =>
              gateError(
                `failure loading key for ${what}: couldn't load the private key file ${path}: open ${path}: no such file or directory`,
                e
              )
            )
          )
        yield* Effect.tryPromise({
          try: () => privateKeyFromPem(text),
          catch: (e) => gateError(`failure loading key for ${what}: ${causeText(e)}`, e)
        })
      })
    yield* loadCert("ca", "CA")
    yield* loadKey("ca.key", "CA")
    yield* loadKey("sa.key", "service account")
    yield* fs
      .readText(`${dir}/sa.pub`)
      .pipe(
        Effect.mapError((e) =>
          gateError(`failure loading key for service account: couldn't load the public key file ${dir}/sa.pub`, e)
        )
      )
    yield* loadCert("front-proxy-ca", "front-proxy CA")
    yield* loadKey("front-proxy-ca.key", "front-proxy CA")
    if (cfg.etcd.local) {
      yield* loadCert("etcd/ca", "etcd CA")
      yield* loadKey("etcd/ca.key", "etcd CA")
    }
  })

/** Port-<n>: can `port` be bound on the address the component will listen on? */
export const portFree = (address: string, port: number): Check<Host> =>
  check(
    `Port-${port}`,
    Effect.flatMap(Host, (h) =>
      Effect.map(h.portInUseAt(address, port), (used) =>
        used ? CheckOutcome.fail(`Port ${port} is in use`) : CheckOutcome.pass
      )
    )
  )

/** NumCPU: at least 2 CPUs. */
export const numCpu: Check<Host> = check(
  "NumCPU",
  Effect.flatMap(Host, (h) =>
    Effect.map(h.cpuCount, (count) =>
      count < 2
        ? CheckOutcome.fail(`the number of available CPUs ${count} is less than the required 2`)
        : CheckOutcome.pass
    )
  )
)

/**
 * The newest Kubernetes minor whose kubeadm behaviour kubeadm-ts reproduces
 * (the "current" kubeadm of the spec). It plays the part of kubeadm's own
 * version in the KubernetesVersion check. Older clusters are refused earlier,
 * when the ClusterConfiguration is read (minimum v1.13.0).
 */
export const KUBEADM_TS_KUBERNETES_VERSION = { major: 1, minor: 37 } as const

/**
 * KubernetesVersion: warn when the cluster is at or past the next minor after
 * the one this tool tracks (kubeadm compares against `<major>.<minor+1>.0-0`, so
 * pre-releases of the next minor count too). An unparsable version is an error.
 */
export const kubernetesVersionCheck = (
  clusterVersion: string,
  tool: { readonly major: number; readonly minor: number } = KUBEADM_TS_KUBERNETES_VERSION
): Check =>
  check(
    "KubernetesVersion",
    Effect.sync(() => {
      // Strict semver with an optional leading "v", as Go's version.ParseSemantic takes it.
      const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(
        clusterVersion.trim()
      )
      if (m === null)
        return CheckOutcome.fail(
          `couldn't parse Kubernetes version "${clusterVersion}": could not parse "${clusterVersion}" as version`
        )
      const major = Number(m[1])
      const minor = Number(m[2])
      const newer = major > tool.major || (major === tool.major && minor >= tool.minor + 1)
      if (!newer) return CheckOutcome.pass
      const shown = `${m[1]}.${m[2]}.${m[3]}${m[4] ?? ""}${m[5] ?? ""}`
      return CheckOutcome.warn(
        `Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: ${shown}. Kubeadm version: ${tool.major}.${tool.minor}.x`
      )
    })
  )

/**
 * Firewalld: warn when the firewalld service is active, since it may block the
 * API server and kubelet ports. The service is asked through the init system
 * found inside the rootfs, as Service-Kubelet does; without an init system
 * there is no firewalld service to ask about, so the check passes.
 */
export const firewalldCheck = (ports: ReadonlyArray<number>): Check<Host> =>
  check(
    "Firewalld",
    Effect.gen(function* () {
      const host = yield* Host
      const init = yield* host.initSystem
      if (init === "none") return CheckOutcome.pass
      const tool = yield* host.lookPath(init === "systemd" ? "systemctl" : "rc-service")
      if (Option.isNone(tool)) return CheckOutcome.pass
      const active = `firewalld is active, please ensure ports [${ports.join(" ")}] are open or your cluster may not function correctly`
      if (init === "systemd") {
        const status = yield* Effect.either(host.run(tool.value, ["status", "firewalld"]))
        if (Either.isRight(status) && status.right.stdout.includes("Loaded: not-found")) return CheckOutcome.pass
        // is-active exits non-zero for "activating", so only its output counts.
        const state = yield* Effect.either(host.run(tool.value, ["is-active", "firewalld"]))
        const text = Either.isRight(state) ? state.right.stdout.trim() : ""
        return text === "active" || text === "activating" ? CheckOutcome.warn(active) : CheckOutcome.pass
      }
      const status = yield* Effect.either(host.run(tool.value, ["firewalld", "status"]))
      const text = Either.isRight(status) ? status.right.stdout + status.right.stderr : "does not exist"
      return text.includes("does not exist") || text.includes("stopped") ? CheckOutcome.pass : CheckOutcome.warn(active)
    })
  )

/**
 * HTTPProxyCIDR: warn when a request to the first address of a service or pod
 * subnet would go through a proxy (the API server would send Service and Pod
 * traffic there). An empty subnet passes; a malformed or too small one is an error.
 */
export const httpProxyCidrCheck = (cidr: string): Check<Host> =>
  check(
    "HTTPProxyCIDR",
    Effect.gen(function* () {
      const host = yield* Host
      const text = cidr.trim()
      if (text === "") return CheckOutcome.pass
      const m = /^([^/]+)\/(\d{1,3})$/.exec(text)
      const kind = m?.[1] !== undefined ? isIP(m[1]) : 0
      const bits = Number(m?.[2] ?? "-1")
      if (m === null || kind === 0 || bits > (kind === 4 ? 32 : 128)) {
        return CheckOutcome.fail(`error parsing CIDR "${text}": invalid CIDR address: ${text}`)
      }
      // network + 1 must still be inside the subnet
      if (bits === (kind === 4 ? 32 : 128)) {
        return CheckOutcome.fail(
          `unable to get first IP address from the given CIDR (${text}): can't generate IP with index 1 from subnet. subnet too small. subnet: "${text}"`
        )
      }
      const ip = firstHostIp(text)
      const url = kind === 6 ? `https://[${ip}]:1234/` : `https://${ip}/`
      return Option.match(host.proxyFor(url), {
        onNone: () => CheckOutcome.pass,
        onSome: (proxy) =>
          CheckOutcome.warn(
            `connection to "${text}" uses proxy "${proxy}". This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration`
          )
      })
    })
  )

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
export const controlPlaneChecks = (
  cfg: ControlPlaneConfig,
  options: { readonly certificateKey: boolean } = { certificateKey: true }
) => {
  const adv = cfg.advertiseAddress
  const checks: Array<Check<RootFs | Host>> = [
    numCpu,
    kubernetesVersionCheck(cfg.kubernetesVersion),
    firewalldCheck([cfg.bindPort, 10250]),
    portFree(adv, cfg.bindPort),
    portFree(adv, 10259),
    portFree(adv, 10257),
    fileAvailable(`${MANIFESTS_DIR}/kube-apiserver.yaml`),
    fileAvailable(`${MANIFESTS_DIR}/kube-controller-manager.yaml`),
    fileAvailable(`${MANIFESTS_DIR}/kube-scheduler.yaml`),
    fileAvailable(`${MANIFESTS_DIR}/etcd.yaml`),
    httpProxyCheck(`${urlHost(adv)}:${cfg.bindPort}`),
    // one check per subnet of a dual-stack list, services first
    ...cfg.networking.serviceSubnet.split(",").map(httpProxyCidrCheck),
    ...cfg.networking.podSubnet.split(",").map(httpProxyCidrCheck)
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
export const controlPlanePreflight = (
  ignore: IgnoreSet,
  onWarning: (line: string) => Effect.Effect<void>,
  /** How each check is seen (preflight passes this join's own earlier work through resume/record.ts). */
  view: (c: Check<RootFs | Host>) => Check<RootFs | Host> = (c) => c
) =>
  Effect.gen(function* () {
    const { config } = yield* JoinContext
    const out = yield* Output
    const cfg = yield* controlPlaneConfig
    if (cfg.controlPlaneEndpoint === "") return yield* gateError(NO_ENDPOINT)
    const certificateKey = (config.controlPlane?.certificateKey ?? "") !== ""
    if (!certificateKey) yield* sharedCertificatesExist(cfg)
    yield* out.info("[preflight] Running pre-flight checks before initializing the new control plane instance")
    yield* runChecks(reportedChecks(controlPlaneChecks(cfg, { certificateKey }).map(view), ignore), ignore, onWarning)
    yield* checkManifestPatches(cfg)
  })
