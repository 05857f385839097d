/**
 * The one internal model of a join, whatever it came from (flags, v1beta1 or
 * v1beta2 YAML). Everything here is already defaulted and validated: phases
 * never re-check it.
 */
import type { Duration } from "effect"

export interface BootstrapTokenDiscovery {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`; a secret: never print it. */
  readonly token: string
  /** `host:port` of the API server to discover from. */
  readonly apiServerEndpoint: string
  /** Lower-cased `sha256:<64 hex>` pins; every one is honoured. */
  readonly caCertHashes: ReadonlyArray<string>
  readonly unsafeSkipCAVerification: boolean
}

export interface FileDiscovery {
  /**
   * A path on the host (file:// already stripped) or an https:// URL. A path is
   * read inside the rootfs (as kubeadm, which chroots first): validation checked
   * that `<rootfs>/<path>` exists. `--config` is read inside the rootfs the same way.
   */
  readonly kubeConfigPath: string
}

export interface Discovery {
  readonly bootstrapToken?: BootstrapTokenDiscovery
  readonly file?: FileDiscovery
  /** The token the kubelet authenticates with for its CSR; a secret. */
  readonly tlsBootstrapToken: string
  readonly timeout: Duration.Duration
}

export interface Taint {
  readonly key: string
  readonly value?: string
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute"
}

export interface NodeRegistration {
  /** Lower-cased host name unless given. */
  readonly name: string
  /** Empty means: detect it in preflight/kubelet-start. */
  readonly criSocket: string
  /**
   * `undefined` = not given: control planes then get the default taint, chosen by the
   * cluster's version with `nodeTaints(config, minor)` from ./defaults.ts
   * (`master:NoSchedule` up to 1.23, `control-plane:NoSchedule` since).
   */
  readonly taints: ReadonlyArray<Taint> | undefined
  readonly kubeletExtraArgs: Readonly<Record<string, string>>
  /** Lower-cased, sorted; may be exactly ["all"]. */
  readonly ignorePreflightErrors: ReadonlyArray<string>
}

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

export interface JoinConfiguration {
  readonly nodeRegistration: NodeRegistration
  readonly caCertPath: string
  readonly discovery: Discovery
  readonly controlPlane?: ControlPlane
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
}
