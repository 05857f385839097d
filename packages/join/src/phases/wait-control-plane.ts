/**
 * The `wait-control-plane` phase (WaitForAllControlPlaneComponents clusters, see
 * kubeadm-behaviour): wait until this node's kube-apiserver, kube-controller-manager
 * and kube-scheduler answer their health endpoints, at the addresses and ports their
 * manifests give, as kubeadm's WaitForControlPlaneComponents does. The API server is
 * checked with admin.conf's identity (anonymous auth may be off); the other two
 * without verifying their self-signed serving certificates.
 */
import { Data, Duration, Effect, Either, Option } from "effect"
import { parse } from "yaml"
import { goDuration } from "../discovery/duration.js"
import { untilHealthy } from "../health/poll.js"
import type { HealthTls } from "../health/health.js"
import { JoinContext } from "../join-context.js"
import { selectCluster, selectUser } from "../kubeconfig/kubeconfig.js"
import { loadKubeconfig } from "../kubeconfig/load.js"
import { MANIFESTS_DIR } from "../manifests/static-pods.js"
import { Output } from "../output.js"
import { RootFs } from "../rootfs/rootfs.js"
import { ADMIN_CONF } from "../control-plane/admin.js"
import { awaiting } from "../events/events.js"
import { advertiseAddress } from "../control-plane/config.js"
import type { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { Host } from "../host/host.js"
import type { Health } from "../health/health.js"

/** kubeadm's default of timeouts.controlPlaneComponentHealthCheck. */
export const CONTROL_PLANE_HEALTH_TIMEOUT = Duration.minutes(4)

/** Some control-plane components did not report healthy in time; lists each failure as kubeadm does. */
export class ControlPlaneHealthError extends Data.TaggedError("ControlPlaneHealthError")<{
  readonly failures: ReadonlyArray<string>
}> {
  override get message() {
    return `failed while waiting for the control plane to start: ${this.failures.length === 1 ? this.failures[0] : `[${this.failures.join(", ")}]`}`
  }
}

/** A component's health endpoint to poll. */
export interface ComponentCheck {
  readonly name: "kube-apiserver" | "kube-controller-manager" | "kube-scheduler"
  readonly url: string
}

/** The value of `--<flag>` (or `-<flag>`) in a container command line, as kubeadm reads it. */
const flagValue = (command: ReadonlyArray<string>, flag: string): string | undefined => {
  let value: string | undefined
  for (const raw of command) {
    const line = raw.trim()
    if (!line.startsWith(`--${flag}`) && !line.startsWith(`-${flag}`)) continue
    const eq = line.indexOf("=")
    const sp = line.indexOf(" ")
    value = eq >= 0 ? line.slice(eq + 1) : sp >= 0 ? line.slice(sp + 1) : ""
  }
  return value === "" ? undefined : value
}

const hostPort = (host: string, port: string) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`)

/**
 * kubeadm's getControlPlaneComponents: kube-apiserver at --advertise-address (else the
 * node's advertise address) and --secure-port (6443), /livez; the controller manager and
 * scheduler at --bind-address (127.0.0.1) and --secure-port (10257, 10259), /healthz
 * and /livez. `manifests` maps a component to its manifest's text.
 */
export const componentChecks = (
  manifests: Readonly<Record<string, string>>,
  apiServerAddress: string
): Either.Either<ReadonlyArray<ComponentCheck>, string> => {
  const specs = [
    {
      name: "kube-apiserver",
      addressFlag: "advertise-address",
      address: apiServerAddress,
      port: "6443",
      endpoint: "livez"
    },
    {
      name: "kube-controller-manager",
      addressFlag: "bind-address",
      address: "127.0.0.1",
      port: "10257",
      endpoint: "healthz"
    },
    { name: "kube-scheduler", addressFlag: "bind-address", address: "127.0.0.1", port: "10259", endpoint: "livez" }
  ] as const
  const checks: Array<ComponentCheck> = []
  const errors: Array<string> = []
  for (const spec of specs) {
    const text = manifests[spec.name]
    const pod =
      text === undefined
        ? undefined
        : (parse(text) as { spec?: { containers?: Array<{ command?: Array<string> }> } } | null)
    const command = pod?.spec?.containers?.find((c) => c.command?.[0] === spec.name)?.command
    if (command === undefined) {
      errors.push(
        text === undefined
          ? `got nil Pod for component "${spec.name}"`
          : `the Pod has no container command starting with "${spec.name}"`
      )
      continue
    }
    const address = flagValue(command, spec.addressFlag) ?? spec.address
    const port = flagValue(command, "secure-port") ?? spec.port
    checks.push({ name: spec.name, url: `https://${hostPort(address, port)}/${spec.endpoint}` })
  }
  return errors.length > 0
    ? Either.left(`could not parse the address and port of all control plane components: ${errors.join(", ")}`)
    : Either.right(checks)
}

/** admin.conf's CA and client certificate, for the API server's check. */
const adminTls = Effect.gen(function* () {
  const admin = yield* loadKubeconfig(ADMIN_CONF)
  const cluster = selectCluster(admin)?.value
  const user = selectUser(admin)?.value
  return {
    ...(cluster?.certificateAuthorityData !== undefined ? { caPem: cluster.certificateAuthorityData } : {}),
    ...(user?.clientCertificateData !== undefined ? { certPem: user.clientCertificateData } : {}),
    ...(user?.clientKeyData !== undefined ? { keyPem: user.clientKeyData } : {})
  } satisfies HealthTls
})

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  ControlPlaneJoinError | ControlPlaneHealthError,
  JoinContext | Output | Host | RootFs | Health
> = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const out = yield* Output
  const fs = yield* RootFs
  const timeout = config.timeouts?.controlPlaneComponentHealthCheck ?? CONTROL_PLANE_HEALTH_TIMEOUT
  yield* out.info(
    `[control-plane-check] Waiting for healthy control plane components. This can take up to ${goDuration(timeout)}`
  )
  const manifests: Record<string, string> = {}
  for (const name of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    const text = yield* Effect.either(fs.readText(`${MANIFESTS_DIR}/${name}.yaml`))
    if (Either.isRight(text)) manifests[name] = text.right
  }
  const checks = componentChecks(manifests, yield* advertiseAddress)
  if (Either.isLeft(checks)) return yield* Effect.fail(new ControlPlaneHealthError({ failures: [checks.left] }))
  const tls = yield* adminTls.pipe(Effect.mapError((e) => new ControlPlaneHealthError({ failures: [e.message] })))
  for (const check of checks.right) yield* out.info(`[control-plane-check] Checking ${check.name} at ${check.url}`)
  const results = yield* Effect.forEach(
    checks.right,
    (check) =>
      Effect.gen(function* () {
        const [took, failed] = yield* Effect.timed(
          untilHealthy(check.url, timeout, check.name === "kube-apiserver" ? tls : undefined)
        )
        yield* out.info(
          `[control-plane-check] ${check.name} is ${Option.isSome(failed) ? "not healthy" : "healthy"} after ${goDuration(took)}`
        )
        return Option.map(failed, (why) => `${check.name} check failed at ${check.url}: ${why}`)
      }),
    { concurrency: "unbounded" }
  ).pipe(
    awaiting({
      awaiting: "healthy control plane components (kube-apiserver, kube-controller-manager, kube-scheduler)",
      deadline: timeout
    })
  )
  const failures = results.flatMap((r) => (Option.isSome(r) ? [r.value] : []))
  if (failures.length > 0) return yield* Effect.fail(new ControlPlaneHealthError({ failures }))
})
