/**
 * Every flag of `kubeadm-ts join`, as data: the seed's flags with their
 * descriptions and defaults, the inherited ones, and ours. The argv parser,
 * the @effect/cli options and the help all come from this one table.
 */
/** How pflag parses a flag's value; `int` is klog's -v Level. */
export type FlagKind = "string" | "strings" | "bool" | "int32" | "int"

/** One row of the flag table: enough for the argv parser, the @effect/cli option and the help line. */
export interface FlagSpec {
  readonly name: string
  readonly kind: FlagKind
  readonly description: string
  readonly short?: string
  /** Printed as `(default ...)`; kubeadm shows none for empty values. */
  readonly defaultText?: string
  /** A notice printed when the flag is used (pflag's deprecation). */
  readonly deprecated?: string
  /** Not accepted by `join phase ...` sub-commands. */
  readonly joinOnly?: boolean
  /** Inherited from the root command (kubeadm's global flags: --rootfs, klog's -v). */
  readonly global?: boolean
}

/** kubeadm join's flags with kubeadm's descriptions, then the inherited global ones; `[kubeadm-ts]` marks ours. */
export const joinFlags: ReadonlyArray<FlagSpec> = [
  {
    name: "apiserver-advertise-address",
    kind: "string",
    description:
      "If the node should host a new control plane instance, the IP address the API Server will advertise it's listening on. If not set the default network interface will be used."
  },
  {
    name: "apiserver-bind-port",
    kind: "int32",
    defaultText: "6443",
    description: "If the node should host a new control plane instance, the port for the API Server to bind to."
  },
  {
    name: "certificate-key",
    kind: "string",
    description: "Use this key to decrypt the certificate secrets uploaded by init."
  },
  { name: "config", kind: "string", description: "Path to kubeadm config file." },
  { name: "control-plane", kind: "bool", description: "Create a new control plane instance on this node" },
  {
    name: "cri-socket",
    kind: "string",
    description:
      "Path to the CRI socket to connect. If empty kubeadm will try to auto-detect this value; use this option only if you have more than one CRI installed or if you have non-standard CRI socket."
  },
  {
    name: "discovery-file",
    kind: "string",
    description: "For file-based discovery, a file or URL from which to load cluster information."
  },
  {
    name: "discovery-token",
    kind: "string",
    description:
      "For token-based discovery, the token used to validate cluster information fetched from the API server."
  },
  {
    name: "discovery-token-ca-cert-hash",
    kind: "strings",
    description:
      'For token-based discovery, validate that the root CA public key matches this hash (format: "<type>:<value>").'
  },
  {
    name: "discovery-token-unsafe-skip-ca-verification",
    kind: "bool",
    description: "For token-based discovery, allow joining without --discovery-token-ca-cert-hash pinning."
  },
  { name: "dry-run", kind: "bool", description: "Don't apply any changes; just output what would be done." },
  {
    name: "etcd-learner",
    kind: "bool",
    description:
      "[kubeadm-ts] With --control-plane: add the new etcd member as a learner and promote it once it is in sync (newer kubeadm's EtcdLearnerMode)."
  },
  {
    name: "experimental-control-plane",
    kind: "bool",
    description: "Create a new control plane instance on this node (DEPRECATED: use --control-plane instead)",
    deprecated: "Flag --experimental-control-plane has been deprecated, use --control-plane instead"
  },
  {
    name: "ignore-preflight-errors",
    kind: "strings",
    description:
      "A list of checks whose errors will be shown as warnings. Example: 'IsPrivilegedUser,Swap'. Value 'all' ignores errors from all checks."
  },
  { name: "node-name", kind: "string", description: "Specify the node name." },
  {
    name: "patches",
    kind: "string",
    description:
      'Path to a directory that contains files named "target[suffix][+patchtype].extension". For example, "kube-apiserver0+merge.yaml" or just "etcd.json". "target" can be one of "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kubeletconfiguration", "corednsdeployment", "kubeproxydaemonset". "patchtype" can be one of "strategic", "merge" or "json" and they match the patch formats supported by kubectl. The default "patchtype" is "strategic". "extension" must be either "json" or "yaml". "suffix" is an optional string that can be used to determine which patches are applied first alpha-numerically.'
  },
  {
    name: "self-tls-bootstrap",
    kind: "bool",
    description:
      "[kubeadm-ts] Perform the kubelet's TLS bootstrap (key, CSR, kubelet.conf) in-process instead of waiting for a running kubelet."
  },
  { name: "skip-phases", kind: "strings", description: "List of phases to be skipped", joinOnly: true },
  {
    name: "tls-bootstrap-token",
    kind: "string",
    description:
      "Specify the token used to temporarily authenticate with the Kubernetes Control Plane while joining the node."
  },
  {
    name: "token",
    kind: "string",
    description: "Use this token for both discovery-token and tls-bootstrap-token when those values are not provided."
  },
  // Ours, taken by every join command (join-flags.ts's globalFlags) but listed with join's own
  // flags: the Global Flags section stays kubeadm's.
  {
    name: "output",
    short: "o",
    kind: "string",
    defaultText: '"text"',
    description:
      "[kubeadm-ts] Output format: text (kubeadm's lines) or json (one JSON event per line on stdout, the lines on stderr)."
  },
  {
    name: "rootfs",
    kind: "string",
    global: true,
    description: "[EXPERIMENTAL] The path to the 'real' host root filesystem."
  },
  { name: "v", short: "v", kind: "int", global: true, description: "number for the log level verbosity" }
]

/** For `--name` lookups while parsing argv. */
export const flagsByName = new Map(joinFlags.map((f) => [f.name, f]))
/** For `-x` shorthand lookups while parsing argv (only -v has one). */
export const flagsByShort = new Map(joinFlags.flatMap((f) => (f.short === undefined ? [] : [[f.short, f] as const])))

/** Flags every command of the join family takes (kubeadm's inherited ones, and our `--output`). */
export const globalFlags = ["output", "rootfs", "v"]
