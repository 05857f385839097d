/**
 * `Host`: what preflight and the kubelet phase look at on the machine. Files
 * (binaries on PATH, CRI sockets, init-system tools) are looked up inside the
 * rootfs; process facts (user id, free ports, host name, kernel) come from the
 * running machine, as they would after kubeadm's chroot.
 */
import { Context, Effect, Layer, Option } from "effect"
import type { HostError } from "./errors.js"
import type { RootFs } from "../rootfs/rootfs.js"
import * as fakeHost from "../internal/host/fake.js"
import * as live from "../internal/host/live.js"

/** What the container runtime reports about itself through the CRI Version call. */
export interface CriVersion {
  readonly runtimeName: string
  readonly runtimeVersion: string
  readonly runtimeApiVersion: string
}

/** One condition from the CRI Status call (RuntimeReady, NetworkReady). */
export interface CriCondition {
  readonly type: string
  readonly status: boolean
  readonly reason: string
  readonly message: string
}

/** The outcome of running a command to the end: its output and exit code. */
export interface CommandResult {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

export { HostError, type HostErrorReason } from "./errors.js"
export type { FakeHostOptions } from "../internal/host/fake.js"

/** The service manager found on the machine: whether the kubelet service can be checked and restarted through systemctl. */
export type InitSystem = "systemd" | "openrc" | "none"

/** Everything the join asks of the machine (identity, commands, ports, CRI, DNS), so tests can swap it out. */
export interface HostService {
  readonly effectiveUserId: Effect.Effect<number>
  /** The kernel's host name (not yet lower-cased). */
  readonly hostname: Effect.Effect<string>
  readonly kernelRelease: Effect.Effect<string>
  readonly platform: string
  /** True when a TCP listen on all addresses at `port` fails. */
  readonly portInUse: (port: number) => Effect.Effect<boolean>
  /** Addresses of a host name (DNS / hosts file). */
  readonly lookupHost: (name: string) => Effect.Effect<ReadonlyArray<string>, HostError>
  /** In-rootfs path of an executable found on PATH inside the rootfs. */
  readonly lookPath: (name: string) => Effect.Effect<Option.Option<string>>
  /** Runs an in-rootfs executable (found by lookPath) with arguments. */
  readonly run: (path: string, args: ReadonlyArray<string>) => Effect.Effect<CommandResult, HostError>
  /** The known CRI endpoints (`unix:///...`) whose socket exists inside the rootfs. */
  readonly criEndpointsPresent: Effect.Effect<ReadonlyArray<string>>
  readonly criStatus: (endpoint: string) => Effect.Effect<ReadonlyArray<CriCondition>, HostError>
  readonly criVersion: (endpoint: string) => Effect.Effect<CriVersion, HostError>
  /** Whether the runtime implements the CRI's RuntimeConfig method (the kubelet's cgroup driver comes from it). */
  readonly criRuntimeConfigImplemented: (endpoint: string) => Effect.Effect<boolean, HostError>
  /** The proxy the environment would use for `url`, if any. */
  readonly proxyFor: (url: string) => Option.Option<string>
  /** The IPv4 (else IPv6) address of the interface that carries the default route. */
  readonly defaultRouteAddress: Effect.Effect<Option.Option<string>>
  /** Which init system manages services (by its tools on PATH inside the rootfs). */
  readonly initSystem: Effect.Effect<InitSystem>
  /** Whether a process with this exact name runs (e.g. systemd-resolved). */
  readonly processRunning: (name: string) => Effect.Effect<boolean>
  /** Whether a TCP listen on exactly `address`:`port` fails because the port is taken there. */
  readonly portInUseAt: (address: string, port: number) => Effect.Effect<boolean>
  /** How many CPUs this machine has. */
  readonly cpuCount: Effect.Effect<number>
  /** The `*_proxy` variables of the environment (HTTP_PROXY, no_proxy, ...): the control-plane Pods get them. */
  readonly proxyEnv: Effect.Effect<Readonly<Record<string, string>>>
}

/** Resolves to the machine the join runs on: the live one or a test's fake. */
export class Host extends Context.Tag("@kubeadm-ts/join/Host")<Host, HostService>() {}

export { DEFAULT_CRI_ENDPOINT, KNOWN_CRI_ENDPOINTS } from "./cri-endpoints.js"

/** The live Host: the running machine, with files looked up inside the rootfs. */
export const layer: Layer.Layer<Host, never, RootFs> = Layer.effect(Host, live.make)

/** A Host whose every member not given dies, naming itself. */
export const layerTest = (partial: Partial<HostService> = {}): Layer.Layer<Host> => {
  const dies = (name: string) => Effect.die(`Host.${name} was not expected by this test`)
  return Layer.succeed(Host, {
    effectiveUserId: dies("effectiveUserId"),
    hostname: dies("hostname"),
    kernelRelease: dies("kernelRelease"),
    platform: "linux",
    portInUse: () => dies("portInUse"),
    lookupHost: () => dies("lookupHost"),
    lookPath: () => dies("lookPath"),
    run: () => dies("run"),
    criEndpointsPresent: dies("criEndpointsPresent"),
    criStatus: () => dies("criStatus"),
    criVersion: () => dies("criVersion"),
    criRuntimeConfigImplemented: () => dies("criRuntimeConfigImplemented"),
    proxyFor: () => {
      throw new Error("Host.proxyFor was not expected by this test")
    },
    defaultRouteAddress: dies("defaultRouteAddress"),
    initSystem: dies("initSystem"),
    processRunning: () => dies("processRunning"),
    portInUseAt: () => dies("portInUseAt"),
    cpuCount: dies("cpuCount"),
    proxyEnv: dies("proxyEnv"),
    ...partial
  })
}

/** The healthy machine CRI conditions of `fake` (runtime ready, no CNI yet). */
export const HEALTHY_CRI: ReadonlyArray<CriCondition> = fakeHost.HEALTHY_CRI

/** A scripted, healthy Host for tests (binaries on PATH, a ready runtime, root), with `overrides`. */
export const fake = (overrides: fakeHost.FakeHostOptions = {}) => {
  const service = fakeHost.service(overrides)
  return { layer: Layer.succeed(Host, service), service }
}
