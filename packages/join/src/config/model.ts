/**
 * The one internal model of a join, whatever it came from (flags, v1beta1 to
 * v1beta4 YAML). Everything here is already defaulted and validated: phases
 * never re-check it. The fields newer versions added are optional only so that
 * hand-built configurations (tests) stay short: decoding and the flags always set them.
 */
import type { Duration } from "effect"
import type { LoadedPatches } from "../patches/patches.js"

/** Discovery through a bootstrap token: the API server is trusted by CA pin or, when unsafe, not at all. */
export interface BootstrapTokenDiscovery {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`; a secret: never print it. */
  readonly token: string
  /** `host:port` of the API server to discover from. */
  readonly apiServerEndpoint: string
  /** Lower-cased `sha256:<64 hex>` pins; every one is honoured. */
  readonly caCertHashes: ReadonlyArray<string>
  readonly unsafeSkipCAVerification: boolean
}

/** Discovery through a kubeconfig file (or URL) that already names the cluster and its CA. */
export interface FileDiscovery {
  /**
   * A path on the host (file:// already stripped) or an https:// URL. A path is
   * read inside the rootfs (as kubeadm, which chroots first): validation checked
   * that `<rootfs>/<path>` exists. `--config` is read inside the rootfs the same way.
   */
  readonly kubeConfigPath: string
}

/** How the join finds and trusts the cluster: exactly one of token or file. */
export interface Discovery {
  readonly bootstrapToken?: BootstrapTokenDiscovery
  readonly file?: FileDiscovery
  /** The token the kubelet authenticates with for its CSR; a secret. */
  readonly tlsBootstrapToken: string
  /** v1beta4's `timeouts.discovery` (v1beta1..v1beta3: `discovery.timeout`); kept here, where discovery reads it. */
  readonly timeout: Duration.Duration
}

/** A taint the kubelet registers the Node with. */
export interface Taint {
  readonly key: string
  readonly value?: string
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute"
}

/** How this machine registers as a Node: its name, CRI socket, taints and kubelet arguments. */
export interface NodeRegistration {
  /** Lower-cased host name unless given. */
  readonly name: string
  /** Empty means: detect it in preflight/kubelet-start. */
  readonly criSocket: string
  /**
   * `undefined` = not given: control planes then get the default taint, chosen by the
   * cluster's version with `nodeTaints(config, behaviour.controlPlaneTaint)` from ./defaults.ts
   * (`master:NoSchedule` up to 1.23, `control-plane:NoSchedule` since).
   */
  readonly taints: ReadonlyArray<Taint> | undefined
  /** Last value per name: the view older versions (a map) give; see `kubeletExtraArgList` for v1beta4's list. */
  readonly kubeletExtraArgs: Readonly<Record<string, string>>
  /**
   * Every `--name=value` in the order given; v1beta4 allows a name several times (the
   * kubelet then gets each). v1beta3 maps arrive sorted by name, as kubeadm converts them.
   */
  readonly kubeletExtraArgList?: ReadonlyArray<Arg>
  /** Lower-cased, sorted; may be exactly ["all"]. */
  readonly ignorePreflightErrors: ReadonlyArray<string>
  /** v1beta3+; "IfNotPresent" by default. Validation accepts only an ImagePullPolicy (kubeadm decodes any string). */
  readonly imagePullPolicy?: string
  /** v1beta4; true by default (and for every older version). */
  readonly imagePullSerial?: boolean
}

/** One command-line argument of a component, in v1beta4's list form (order and repeats kept). */
export interface Arg {
  readonly name: string
  readonly value: string
}

/** The values kubeadm accepts for `nodeRegistration.imagePullPolicy`. */
export const imagePullPolicies = ["Always", "IfNotPresent", "Never"] as const

/**
 * v1beta4's `timeouts`, defaulted (older versions get the defaults). The discovery
 * timeout lives in `discovery.timeout`.
 */
export interface Timeouts {
  readonly controlPlaneComponentHealthCheck: Duration.Duration
  readonly kubeletHealthCheck: Duration.Duration
  readonly kubernetesAPICall: Duration.Duration
  readonly etcdAPICall: Duration.Duration
  readonly tlsBootstrap: Duration.Duration
  /** Shared by kubeadm's Timeouts type; unused by a join, kept so migrate writes it back. */
  readonly upgradeManifests: Duration.Duration
}

/** Present only for a control-plane join: the local API server address, the key of the shared certificates, etcd learner mode. */
export interface ControlPlane {
  readonly localAPIEndpoint: {
    /** Empty until defaulted from the default-route interface. */
    readonly advertiseAddress: string
    readonly bindPort: number
  }
  /** 64 hex characters (an AES-256 key); a secret. Empty when not given. */
  readonly certificateKey: string
  /** Add the etcd member as a learner, promote it once in sync (newer kubeadm). */
  readonly etcdLearnerMode: boolean
}

/** The internal JoinConfiguration every version decodes to, defaulted; the phases read only this. */
export interface JoinConfiguration {
  readonly nodeRegistration: NodeRegistration
  readonly caCertPath: string
  readonly discovery: Discovery
  readonly controlPlane?: ControlPlane
  /** v1beta3+ `skipPhases`; `--skip-phases` replaces it when given (as kubeadm). */
  readonly skipPhases?: ReadonlyArray<string>
  /** v1beta3+ `patches.directory` (or `--patches`); "" when not given. */
  readonly patchesDirectory?: string
  /** v1beta4 `dryRun`: `--dry-run` from the file (the flag, when given, wins). */
  readonly dryRun?: boolean
  readonly timeouts?: Timeouts
}

/** What the command line adds around the configuration. */
export interface JoinOptions {
  /** Absolute path of the host root; "/" by default. */
  readonly rootfs: string
  readonly skipPhases: ReadonlyArray<string>
  /** Do the kubelet's CSR bootstrap in-process instead of waiting for a kubelet. */
  readonly selfTlsBootstrap: boolean
  /** klog-style verbosity, 0..10. */
  readonly verbosity: number
  /** The patch folder's files, read and checked at load; absent without `--patches` / `patches.directory`. */
  readonly patches?: LoadedPatches
  /** `--dry-run` (or the file's `dryRun: true`): print what would be done, change nothing. */
  readonly dryRun?: boolean
  /** `-o/--output`: kubeadm's lines (`text`, the default) or NDJSON events on stdout (`json`). */
  readonly output?: "text" | "json"
}
