/**
 * The worker pre-flight checks (spec §7.1–7.3, 7.5), with kubeadm's names,
 * order and severities. Deltas from v1.15, on purpose: the runtime is asked over
 * the CRI gRPC API (`runtime.v1` Status) instead of through `crictl`, so the
 * `FileExisting-crictl` check and the docker-only checks are gone, as in current
 * kubeadm.
 */
import { check, type Check, CheckOutcome } from "@kubeadm-ts/workflow"
import { Duration, Effect, Either, Option } from "effect"
import { causeText } from "../cause-text.js"
import type { JoinConfiguration } from "../config/model.js"
import { JoinContext } from "../join-context.js"
import { RootFs } from "../rootfs/rootfs.js"
import { resolveCriSocket } from "./cri-socket.js"
import { Host, HostError } from "./host.js"

/** What the worker checks need: the machine, its files and the join's input. */
export type Env = Host | RootFs | JoinContext

/** `/etc/kubernetes/kubelet.conf` -> `-etc-kubernetes-kubelet.conf` (kubeadm's check-name rule). */
export const pathName = (path: string) => path.replace(/\//g, "-")

/** A check that could not look (an I/O error) fails with that error rather than aborting preflight. */
const failOnError = <R>(e: Effect.Effect<CheckOutcome, unknown, R>): Effect.Effect<CheckOutcome, never, R> =>
  Effect.catchAll(e, (err) => Effect.succeed(CheckOutcome.fail(causeText(err))))

/** Fails when a file the join will write exists already. */
export const fileAvailable = (path: string): Check<RootFs> =>
  check(
    `FileAvailable-${pathName(path)}`,
    failOnError(
      Effect.flatMap(RootFs, (fs) =>
        Effect.map(fs.exists(path), (e) => (e ? CheckOutcome.fail(`${path} already exists`) : CheckOutcome.pass))
      )
    )
  )

/** Fails when a folder the join fills exists and is not empty. */
export const dirAvailable = (path: string): Check<RootFs> =>
  check(
    `DirAvailable-${pathName(path)}`,
    Effect.gen(function* () {
      const fs = yield* RootFs
      if (!(yield* fs.exists(path))) return CheckOutcome.pass
      const entries = yield* fs.list(path)
      return entries.length > 0 ? CheckOutcome.fail(`${path} is not empty`) : CheckOutcome.pass
    }).pipe(
      Effect.catchAll((e) => Effect.succeed(CheckOutcome.fail(`unable to check if ${path} is empty: ${e.message}`)))
    )
  )

/** Fails unless a file starts with the expected text (e.g. `1` in /proc/sys/net/ipv4/ip_forward). */
export const fileContent = (path: string, expected: string): Check<RootFs> =>
  check(
    `FileContent-${pathName(path)}`,
    Effect.gen(function* () {
      const fs = yield* RootFs
      const content = yield* Effect.option(fs.readText(path))
      if (Option.isNone(content)) return CheckOutcome.fail(`${path} does not exist`)
      return content.value.startsWith(expected)
        ? CheckOutcome.pass
        : CheckOutcome.fail(`${path} contents are not set to ${expected}`)
    })
  )

/** An executable kubeadm needs on the PATH (crictl, conntrack, ...), as an error or a warning. */
export const fileExisting = (exe: string, severity: "error" | "warning"): Check<Host> =>
  check(
    `FileExisting-${exe}`,
    Effect.flatMap(Host, (host) =>
      Effect.map(host.lookPath(exe), (p) =>
        Option.isSome(p)
          ? CheckOutcome.pass
          : severity === "error"
            ? CheckOutcome.fail(`${exe} not found in system path`)
            : CheckOutcome.warn(`${exe} not found in system path`)
      )
    )
  )

/** The join must run as root. */
export const isPrivilegedUser: Check<Host> = check(
  "IsPrivilegedUser",
  Effect.flatMap(Host, (h) =>
    Effect.map(h.effectiveUserId, (uid) =>
      uid === 0 ? CheckOutcome.pass : CheckOutcome.fail("user is not running as root")
    )
  )
)

/** The container runtime must answer on its CRI socket. */
export const criCheck: Check<Env> = check(
  "CRI",
  Effect.gen(function* () {
    const host = yield* Host
    const endpoint = yield* resolveCriSocket
    const conditions = yield* host.criStatus(endpoint)
    const ready = conditions.find((c) => c.type === "RuntimeReady")
    if (ready !== undefined && !ready.status) {
      return CheckOutcome.fail(
        `container runtime is not ready: RuntimeReady=false reason:${ready.reason} message:${ready.message}`
      )
    }
    return CheckOutcome.pass
  }).pipe(Effect.catchTag("HostError", (e) => Effect.succeed(CheckOutcome.fail(e.message))))
)

/**
 * current kubeadm's ContainerRuntimeVersion: a runtime without the CRI's RuntimeConfig method
 * (containerd before 1.7) gets a warning, as the kubelet's fallback to its own cgroupDriver
 * setting goes away in 1.38. A runtime that does not answer at all is the CRI check's error.
 */
export const containerRuntimeVersionCheck: Check<Env> = check(
  "ContainerRuntimeVersion",
  Effect.gen(function* () {
    const host = yield* Host
    const endpoint = yield* resolveCriSocket
    return (yield* host.criRuntimeConfigImplemented(endpoint))
      ? CheckOutcome.pass
      : CheckOutcome.warn(
          "You must update your container runtime to a version that supports the CRI method RuntimeConfig. " +
            "Falling back to using cgroupDriver from kubelet config will be removed in 1.38. " +
            "For more information, see https://git.k8s.io/enhancements/keps/sig-node/4033-group-driver-detection-over-cri"
        )
  }).pipe(Effect.catchTag("HostError", () => Effect.succeed(CheckOutcome.pass)))
)

/** Swap must be off (read from /proc/swaps): the kubelet refuses to start with it by default. */
export const swapCheck: Check<RootFs> = check(
  "Swap",
  Effect.gen(function* () {
    const fs = yield* RootFs
    const swaps = yield* Effect.option(fs.readText("/proc/swaps"))
    if (Option.isNone(swaps)) return CheckOutcome.pass
    const lines = swaps.value.split("\n").filter((l) => l.trim() !== "")
    return lines.length > 1
      ? CheckOutcome.fail("running with swap on is not supported. Please disable swap")
      : CheckOutcome.pass
  })
)

const parseVersion = (v: string): ReadonlyArray<number> | undefined => {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined
}
const lessThan = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0)
  return false
}

/** kubeadm's system verification, reduced to what matters here: Linux with a kernel of at least 3.10. */
export const systemVerification: Check<Host> = check(
  "SystemVerification",
  Effect.gen(function* () {
    const host = yield* Host
    if (host.platform !== "linux") return CheckOutcome.fail(`unsupported operating system: ${host.platform}`)
    const release = yield* host.kernelRelease
    const v = parseVersion(release)
    if (v === undefined) return CheckOutcome.fail(`failed to parse kernel version: "${release}"`)
    if (lessThan(v, [3, 10, 0]))
      return CheckOutcome.fail(
        `kernel release ${release} is unsupported. Recommended LTS version from the 4.x series is 4.19. Any 5.x or 6.x versions are also supported.`
      )
    return CheckOutcome.pass
  })
)

/** The Hostname check only warns: a resolver that does not answer must not hold up the join (kubeadm waits it out). */
export const HOSTNAME_LOOKUP_TIMEOUT = Duration.seconds(2)

/** Warns when the node name does not resolve, as kubeadm's hostname check does. */
export const hostnameCheck = (nodeName: string): Check<Host> =>
  check(
    "Hostname",
    Effect.flatMap(Host, (host) =>
      host.lookupHost(nodeName).pipe(
        Effect.timeoutFail({
          duration: HOSTNAME_LOOKUP_TIMEOUT,
          onTimeout: () =>
            new HostError({
              reason: "LookupFailed",
              host: nodeName,
              detail: `lookup timed out after ${Duration.format(HOSTNAME_LOOKUP_TIMEOUT)}`
            })
        }),
        Effect.map((addrs) =>
          addrs.length === 0 ? CheckOutcome.warn(`hostname "${nodeName}" could not be reached`) : CheckOutcome.pass
        ),
        // kubeadm's two warnings when the lookup fails: no address, and the resolver's error
        Effect.catchTag("HostError", (err) =>
          Effect.succeed(
            CheckOutcome.warn(`hostname "${nodeName}" could not be reached`, `hostname "${nodeName}": ${err.message}`)
          )
        )
      )
    )
  )

/** The lowest kubelet kubeadm-ts will join with (kubeadm's minimum is one minor below the control plane's). */
export const MINIMUM_KUBELET = [1, 13, 0] as const

/** The kubelet on the PATH must run and be at least the oldest version kubeadm supports. */
export const kubeletVersion: Check<Host> = check(
  "KubeletVersion",
  Effect.gen(function* () {
    const host = yield* Host
    const path = yield* host.lookPath("kubelet")
    if (Option.isNone(path)) {
      return CheckOutcome.fail(
        "couldn't get kubelet version: cannot execute 'kubelet --version': executable file not found in $PATH"
      )
    }
    const result = yield* Effect.either(host.run(path.value, ["--version"]))
    if (Either.isLeft(result)) return CheckOutcome.fail(`couldn't get kubelet version: ${result.left.message}`)
    const out = result.right.stdout.trim()
    const m = /^Kubernetes (v\d+\.\d+\.\d+\S*)$/.exec(out)
    const v = m?.[1] !== undefined ? parseVersion(m[1]) : undefined
    if (m?.[1] === undefined || v === undefined || result.right.exitCode !== 0) {
      return CheckOutcome.fail(`couldn't get kubelet version: Unable to parse output from Kubelet: "${out}"`)
    }
    if (lessThan(v, MINIMUM_KUBELET))
      return CheckOutcome.fail(`Kubelet version "${m[1]}" is lower than kubeadm can support. Please upgrade kubelet`)
    return CheckOutcome.pass
  })
)

/** Warns when the kubelet service is missing or not enabled (it would not come back after a reboot). */
export const serviceKubelet: Check<Host> = check(
  "Service-Kubelet",
  Effect.gen(function* () {
    const host = yield* Host
    const init = yield* host.initSystem
    if (init === "none") return CheckOutcome.warn("no supported init system detected, skipping checking for services")
    const tool = yield* host.lookPath(init === "systemd" ? "systemctl" : "rc-service")
    if (Option.isNone(tool))
      return CheckOutcome.warn("no supported init system detected, skipping checking for services")
    if (init === "systemd") {
      const status = yield* Effect.either(host.run(tool.value, ["status", "kubelet"]))
      if (Either.isLeft(status) || status.right.stdout.includes("Loaded: not-found"))
        return CheckOutcome.warn("kubelet service does not exist")
      const enabled = yield* Effect.either(host.run(tool.value, ["is-enabled", "kubelet"]))
      if (Either.isLeft(enabled) || enabled.right.exitCode !== 0) {
        return CheckOutcome.warn("kubelet service is not enabled, please run 'systemctl enable kubelet.service'")
      }
      return CheckOutcome.pass
    }
    const status = yield* Effect.either(host.run(tool.value, ["kubelet", "status"]))
    if (Either.isLeft(status) || status.right.stdout.includes("does not exist"))
      return CheckOutcome.warn("kubelet service does not exist")
    return CheckOutcome.pass
  })
)

/** A port a control-plane component will listen on must be free. */
export const portCheck = (port: number): Check<Host> =>
  check(
    `Port-${port}`,
    Effect.flatMap(Host, (h) =>
      Effect.map(h.portInUse(port), (used) => (used ? CheckOutcome.fail(`Port ${port} is in use`) : CheckOutcome.pass))
    )
  )

const endpointHost = (endpoint: string): string => {
  const m = /^\[([^\]]+)\]:\d+$/.exec(endpoint)
  if (m?.[1] !== undefined) return m[1]
  const i = endpoint.lastIndexOf(":")
  return i >= 0 ? endpoint.slice(0, i) : endpoint
}

/** Warns when a proxy variable would send the join's API server traffic through a proxy. */
export const httpProxyCheck = (endpoint: string): Check<Host> =>
  check(
    "HTTPProxy",
    Effect.map(Host, (host) => {
      const h = endpointHost(endpoint)
      const url = `https://${h.includes(":") ? `[${h}]` : h}`
      return Option.match(host.proxyFor(url), {
        onNone: () => CheckOutcome.pass,
        onSome: (proxy) =>
          CheckOutcome.warn(
            `Connection to "${url}" uses proxy "${proxy}". If that is not intended, adjust your proxy settings`
          )
      })
    })
  )

/** The worker check list for this configuration, in kubeadm's order. */
export const workerChecks = (config: JoinConfiguration): ReadonlyArray<Check<Env>> => {
  const endpoint = config.discovery.bootstrapToken?.apiServerEndpoint
  const ipv6 = endpoint !== undefined && endpointHost(endpoint).includes(":")
  return [
    dirAvailable("/etc/kubernetes/manifests"),
    fileAvailable("/etc/kubernetes/kubelet.conf"),
    fileAvailable("/etc/kubernetes/bootstrap-kubelet.conf"),
    criCheck,
    containerRuntimeVersionCheck,
    fileContent("/proc/sys/net/bridge/bridge-nf-call-iptables", "1"),
    fileContent("/proc/sys/net/ipv4/ip_forward", "1"),
    swapCheck,
    fileExisting("ip", "error"),
    fileExisting("iptables", "error"),
    fileExisting("mount", "error"),
    fileExisting("nsenter", "error"),
    fileExisting("ebtables", "warning"),
    fileExisting("ethtool", "warning"),
    fileExisting("socat", "warning"),
    fileExisting("tc", "warning"),
    fileExisting("touch", "warning"),
    systemVerification,
    hostnameCheck(config.nodeRegistration.name),
    kubeletVersion,
    serviceKubelet,
    portCheck(10250),
    ...(config.controlPlane === undefined ? [fileAvailable(config.caCertPath)] : []),
    ...(endpoint !== undefined ? [httpProxyCheck(endpoint)] : []),
    ...(ipv6
      ? [
          fileContent("/proc/sys/net/bridge/bridge-nf-call-ip6tables", "1"),
          fileContent("/proc/sys/net/ipv6/conf/default/forwarding", "1")
        ]
      : [])
  ]
}
