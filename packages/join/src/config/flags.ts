/**
 * The `kubeadm-ts join` flags and how they become a JoinConfiguration
 * (spec join-node §1.4 steps B–E). Pure: no defaults that need the host here.
 */
import {
  defaultBindPort,
  defaultCaCertPath,
  defaultDiscoveryTimeout,
  defaultImagePullPolicy,
  defaultTimeouts,
  stripFileScheme
} from "./defaults.js"
import type { JoinConfiguration } from "./model.js"

/** The `kubeadm join` command line as parsed, before it is merged with a `--config` file. */
export interface JoinFlags {
  /** The positional `[api-server-endpoint]` (token discovery only). */
  readonly apiServerEndpoint?: string
  readonly config: string
  readonly token: string
  readonly discoveryToken: string
  readonly discoveryTokenCaCertHash: ReadonlyArray<string>
  readonly discoveryTokenUnsafeSkipCaVerification: boolean
  readonly discoveryFile: string
  readonly tlsBootstrapToken: string
  readonly nodeName: string
  readonly criSocket: string
  readonly ignorePreflightErrors: ReadonlyArray<string>
  /** `--control-plane` or its deprecated alias `--experimental-control-plane`. */
  readonly controlPlane: boolean
  readonly certificateKey: string
  readonly apiserverAdvertiseAddress: string
  readonly apiserverBindPort: number
  /** Add the etcd member as a learner first (`--etcd-learner`). */
  readonly etcdLearner: boolean
  readonly skipPhases: ReadonlyArray<string>
  readonly rootfs: string
  readonly verbosity: number
  readonly selfTlsBootstrap: boolean
  /** `--patches`: the folder of patch files for the static Pods and the kubelet configuration; "" when not given. */
  readonly patches: string
  /** `--dry-run`: print what would be done, change nothing. */
  readonly dryRun?: boolean
  /** `-o/--output`: `text` (default) or `json` (NDJSON events on stdout). */
  readonly output?: "text" | "json"
  /** The full phase name when run as `join phase <name>`; undefined for a full join. */
  readonly phase?: string
  /** Names (without dashes) of the flags given on the command line, like cobra's Changed. */
  readonly changed: ReadonlySet<string>
}

/** The flags as kubeadm has them when none is given on the command line. */
export const defaultJoinFlags: JoinFlags = {
  config: "",
  token: "",
  discoveryToken: "",
  discoveryTokenCaCertHash: [],
  discoveryTokenUnsafeSkipCaVerification: false,
  discoveryFile: "",
  tlsBootstrapToken: "",
  nodeName: "",
  criSocket: "",
  ignorePreflightErrors: [],
  controlPlane: false,
  certificateKey: "",
  apiserverAdvertiseAddress: "",
  apiserverBindPort: defaultBindPort,
  etcdLearner: false,
  skipPhases: [],
  rootfs: "/",
  verbosity: 0,
  selfTlsBootstrap: false,
  patches: "",
  dryRun: false,
  changed: new Set()
}

/** Flags that only mean something with `--control-plane`. */
export const controlPlaneOnlyFlags = [
  "certificate-key",
  "apiserver-advertise-address",
  "apiserver-bind-port",
  "etcd-learner"
]

/** kubeadm's warning when control-plane flags are given without `--control-plane` (they are then ignored). */
export const controlPlaneFlagsIgnoredWarning =
  "[preflight] WARNING: --control-plane is also required when passing control-plane related flags such as [certificate-key, apiserver-advertise-address, apiserver-bind-port]"

/** A JoinConfiguration built from flags alone, with the warnings the flags caused. */
export interface FromFlags {
  readonly config: JoinConfiguration
  readonly warnings: ReadonlyArray<string>
}

/** Flags -> model, in kubeadm's order: token fan-out, then dropping the unused discovery and control-plane parts. */
export const configFromFlags = (flags: JoinFlags): FromFlags => {
  // B: the flag-backed token discovery still exists here, so it seeds the TLS bootstrap token.
  let tlsBootstrapToken = flags.tlsBootstrapToken || flags.discoveryToken
  let discoveryToken = flags.discoveryToken
  // C: --token fills whatever is still empty.
  if (flags.token !== "") {
    tlsBootstrapToken ||= flags.token
    discoveryToken ||= flags.token
  }
  const warnings: string[] = []
  // E: control-plane settings without --control-plane are dropped (current kubeadm warns).
  if (!flags.controlPlane && controlPlaneOnlyFlags.some((f) => flags.changed.has(f)))
    warnings.push(controlPlaneFlagsIgnoredWarning)
  const endpoint = flags.apiServerEndpoint
  return {
    warnings,
    config: {
      nodeRegistration: {
        name: flags.nodeName,
        criSocket: flags.criSocket,
        taints: undefined,
        kubeletExtraArgs: {},
        kubeletExtraArgList: [],
        ignorePreflightErrors: [...flags.ignorePreflightErrors],
        imagePullPolicy: defaultImagePullPolicy,
        imagePullSerial: true
      },
      caCertPath: defaultCaCertPath,
      discovery: {
        // D: no positional argument, no token discovery; no --discovery-file, no file discovery.
        ...(endpoint !== undefined && endpoint !== ""
          ? {
              bootstrapToken: {
                token: discoveryToken,
                apiServerEndpoint: endpoint,
                caCertHashes: [...flags.discoveryTokenCaCertHash],
                unsafeSkipCAVerification: flags.discoveryTokenUnsafeSkipCaVerification
              }
            }
          : {}),
        ...(flags.discoveryFile !== "" ? { file: { kubeConfigPath: stripFileScheme(flags.discoveryFile) } } : {}),
        tlsBootstrapToken,
        timeout: defaultDiscoveryTimeout
      },
      ...(flags.controlPlane
        ? {
            controlPlane: {
              localAPIEndpoint: {
                advertiseAddress: flags.apiserverAdvertiseAddress,
                bindPort: flags.apiserverBindPort || defaultBindPort
              },
              certificateKey: flags.certificateKey,
              etcdLearnerMode: flags.etcdLearner
            }
          }
        : {}),
      // --skip-phases and --dry-run stay in JoinOptions.
      skipPhases: [],
      patchesDirectory: flags.patches,
      dryRun: false,
      timeouts: defaultTimeouts
    }
  }
}
