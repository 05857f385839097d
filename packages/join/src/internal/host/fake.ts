/** A scripted `Host` for unit tests: a healthy machine unless told otherwise. */
import { Effect, Option } from "effect"
import type { CriCondition, HostService } from "../../host/host.js"

export const HEALTHY_CRI: ReadonlyArray<CriCondition> = [
  { type: "RuntimeReady", status: true, reason: "", message: "" },
  { type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "cni plugin not initialized" }
]

const DEFAULT_BINARIES = [
  "ip",
  "iptables",
  "mount",
  "nsenter",
  "ebtables",
  "ethtool",
  "socat",
  "tc",
  "touch",
  "kubelet"
]

export type FakeHostOptions = Partial<HostService> & { readonly binaries?: ReadonlyArray<string> }

export const service = (overrides: FakeHostOptions = {}): HostService => {
  const binaries = new Set(overrides.binaries ?? DEFAULT_BINARIES)
  return {
    effectiveUserId: Effect.succeed(0),
    hostname: Effect.succeed("node-1"),
    kernelRelease: Effect.succeed("6.1.0-test"),
    platform: "linux",
    portInUse: () => Effect.succeed(false),
    lookupHost: () => Effect.succeed(["127.0.0.1"]),
    lookPath: (name) => Effect.succeed(binaries.has(name) ? Option.some(`/usr/bin/${name}`) : Option.none()),
    run: (path, args) =>
      Effect.succeed(
        path.endsWith("/kubelet") && args[0] === "--version"
          ? { stdout: "Kubernetes v1.32.0\n", stderr: "", exitCode: 0 }
          : { stdout: "", stderr: "", exitCode: 0 }
      ),
    criEndpointsPresent: Effect.succeed(["unix:///var/run/containerd/containerd.sock"]),
    criStatus: () => Effect.succeed(HEALTHY_CRI),
    criRuntimeConfigImplemented: () => Effect.succeed(true),
    criVersion: () => Effect.succeed({ runtimeName: "containerd", runtimeVersion: "v1.6.20", runtimeApiVersion: "v1" }),
    proxyFor: () => Option.none(),
    defaultRouteAddress: Effect.succeed(Option.some("192.168.0.10")),
    initSystem: Effect.succeed("none"),
    processRunning: () => Effect.succeed(false),
    portInUseAt: () => Effect.succeed(false),
    cpuCount: Effect.succeed(4),
    proxyEnv: Effect.succeed({}),
    ...overrides
  }
}
