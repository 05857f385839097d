/**
 * `Host`: what preflight and the kubelet phase look at on the machine. Files
 * (binaries on PATH, CRI sockets, init-system tools) are looked up inside the
 * rootfs; process facts (user id, free ports, host name, kernel) come from the
 * running machine, as they would after kubeadm's chroot.
 */
import { Context, Data, Effect, Option } from "effect"
import type { CriCondition, CriError, CriVersion } from "./cri.js"

export interface CommandResult {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

export class CommandError extends Data.TaggedError("CommandError")<{ readonly command: string; readonly detail: string }> {
  override get message() {
    return `cannot execute '${this.command}': ${this.detail}`
  }
}

export type InitSystem = "systemd" | "openrc" | "none"

export interface HostService {
  readonly effectiveUserId: Effect.Effect<number>
  /** The kernel's host name (not yet lower-cased). */
  readonly hostname: Effect.Effect<string>
  readonly kernelRelease: Effect.Effect<string>
  readonly platform: string
  /** True when a TCP listen on all addresses at `port` fails. */
  readonly portInUse: (port: number) => Effect.Effect<boolean>
  /** Addresses of a host name (DNS / hosts file), or the resolver's error text. */
  readonly lookupHost: (name: string) => Effect.Effect<ReadonlyArray<string>, string>
  /** In-rootfs path of an executable found on PATH inside the rootfs. */
  readonly lookPath: (name: string) => Effect.Effect<Option.Option<string>>
  /** Runs an in-rootfs executable (found by lookPath) with arguments. */
  readonly run: (path: string, args: ReadonlyArray<string>) => Effect.Effect<CommandResult, CommandError>
  /** The known CRI endpoints (`unix:///...`) whose socket exists inside the rootfs. */
  readonly criEndpointsPresent: Effect.Effect<ReadonlyArray<string>>
  readonly criStatus: (endpoint: string) => Effect.Effect<ReadonlyArray<CriCondition>, CriError>
  readonly criVersion: (endpoint: string) => Effect.Effect<CriVersion, CriError>
  /** The proxy the environment would use for `url`, if any. */
  readonly proxyFor: (url: string) => Option.Option<string>
  /** The IPv4 (else IPv6) address of the interface that carries the default route. */
  readonly defaultRouteAddress: Effect.Effect<Option.Option<string>>
  /** Which init system manages services (by its tools on PATH inside the rootfs). */
  readonly initSystem: Effect.Effect<InitSystem>
  /** Whether a process with this exact name runs (e.g. systemd-resolved). */
  readonly processRunning: (name: string) => Effect.Effect<boolean>
}

export class Host extends Context.Tag("@kubeadm-ts/join/Host")<Host, HostService>() {}

/** The CRI endpoints kubeadm knows, in its detection order. */
export const KNOWN_CRI_ENDPOINTS = [
  "unix:///var/run/containerd/containerd.sock",
  "unix:///var/run/crio/crio.sock",
  "unix:///var/run/cri-dockerd.sock"
] as const

export const DEFAULT_CRI_ENDPOINT = "unix:///var/run/containerd/containerd.sock"

export class CriDetectionError extends Data.TaggedError("CriDetectionError")<{ readonly found: ReadonlyArray<string> }> {
  override get message() {
    return `found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: ${this.found.join(", ")}`
  }
}
