/**
 * Every error family a join can fail with, each `reason` of it, what it means and what to do:
 * the stable table tools branch on (the README's "Exit codes and error reasons" lists the same
 * rows, and a test keeps the two and the code together). The exit code is 1 for every
 * failure, as kubeadm's; the `-o json` result event carries `family` and `reason`.
 * A family without a `reason` field has one documented reason here.
 */
import type { PhaseFailed } from "@kubeadm-ts/workflow"
import { tlsBootstrapReasons } from "../bootstrap/errors.js"
import { downloadCertsErrorReasons } from "../certs-secret/download.js"
import { controlPlaneJoinErrorReasons } from "../control-plane/errors.js"
import { cryptoErrorReasons } from "../crypto/errors.js"
import { clusterDataErrorReasons } from "../discovery/join-data.js"
import { discoveryErrorReasons } from "../discovery/errors.js"
import { etcdErrorReasons } from "../etcd/errors.js"
import type { FailureInfo } from "../events/event.js"
import { hostErrorReasons } from "../host/errors.js"
import { joinStringErrorReasons } from "../join-string/errors.js"
import { kubeApiReasons } from "../kube-api/errors.js"
import { kubeletErrorReasons } from "../kubelet/errors.js"
import { patchesErrorReasons } from "../patches/patches.js"
import { pkiErrorReasons } from "../pki/errors.js"
import { rootFsErrorReasons } from "../rootfs/errors.js"

/** What a reason means and what the user can do about it. */
export interface ReasonDoc {
  readonly meaning: string
  readonly remediation: string
}

type Docs<R extends string> = { readonly [K in R]: ReasonDoc }
const doc = (meaning: string, remediation: string): ReasonDoc => ({ meaning, remediation })

const RERUN = "Fix the cause named in the message, then run the join again."
const API = "Check that the API server is reachable from this machine and healthy, then run the join again."

/** The reasons of each family whose errors carry a `reason`, as the code declares them (const arrays). */
export const declaredReasons = {
  DiscoveryError: discoveryErrorReasons,
  ClusterDataError: clusterDataErrorReasons,
  KubeApiError: kubeApiReasons,
  TlsBootstrapError: tlsBootstrapReasons,
  KubeletError: kubeletErrorReasons,
  HostError: hostErrorReasons,
  RootFsError: rootFsErrorReasons,
  CryptoError: cryptoErrorReasons,
  PkiError: pkiErrorReasons,
  DownloadCertsError: downloadCertsErrorReasons,
  EtcdError: etcdErrorReasons,
  ControlPlaneJoinError: controlPlaneJoinErrorReasons,
  PatchesError: patchesErrorReasons,
  JoinStringError: joinStringErrorReasons
} as const

/** The one reason of each family that has no `reason` field. */
export const singleReasons = {
  ConfigError: "InvalidConfiguration",
  PreflightError: "ChecksFailed",
  HealthCheckError: "NoAnswer",
  ControlPlaneHealthError: "Unhealthy",
  KubeconfigError: "Invalid",
  KubeconfigLoadError: "Unreadable",
  PhaseTimeoutError: "Timeout",
  UnknownPhaseError: "UnknownPhase"
} as const

type Declared = typeof declaredReasons
type Single = typeof singleReasons

/** The table: family -> reason -> meaning and remediation. The compiler checks it covers every declared reason. */
export const errorReasons: { readonly [F in keyof Declared]: Docs<Declared[F][number]> } & {
  readonly [F in keyof Single]: Docs<Single[F]>
} = {
  ConfigError: {
    InvalidConfiguration: doc(
      "The flags or the --config file are invalid; nothing was written.",
      "Correct the flag or field the message names (`kubeadm-ts config validate --config FILE` checks a file)."
    )
  },
  PreflightError: {
    ChecksFailed: doc(
      "One or more preflight checks failed; nothing was written.",
      "Fix each `[ERROR Name]` listed, or ignore a check with --ignore-preflight-errors=Name if you know it is safe."
    )
  },
  DiscoveryError: {
    Unreachable: doc("The API server endpoint never answered.", "Check the endpoint, the network and firewalls."),
    TlsFailure: doc(
      "The API server failed TLS verification against the pinned cluster CA.",
      "Make sure the endpoint is the cluster's API server and the pin is the cluster CA's."
    ),
    MalformedPin: doc(
      "A --discovery-token-ca-cert-hash is not a `sha256:<64 hex>` pin.",
      "Pass the pin `kubeadm init` printed (or `kubeadm-ts ca-cert-hash ca.crt`)."
    ),
    PinMismatch: doc(
      "None of the CA certificates cluster-info carries matches a given pin.",
      "Check the pin against the cluster's CA; the message shows the pin the cluster has."
    ),
    NoJws: doc(
      "cluster-info has no signature for this token id: the token is unknown or expired.",
      "Create a token with `kubeadm token create` on a control-plane node."
    ),
    BadSignature: doc(
      "cluster-info's signature was not made with this token's secret.",
      "Check the token; create a new one with `kubeadm token create`."
    ),
    Changed: doc(
      "The verified second read of cluster-info differs from the first.",
      "Retry; if it persists, something between this machine and the API server alters the answers."
    ),
    Invalid: doc(
      "cluster-info or the discovery file is not a usable kubeconfig.",
      "Check the discovery file, or the cluster-info ConfigMap in kube-public."
    ),
    File: doc("The discovery file or URL cannot be read.", "Check the path or URL given with --discovery-file."),
    Timeout: doc(
      "Discovery did not succeed within discovery.timeout.",
      "Check the endpoint and token; the message names the last error."
    )
  },
  ClusterDataError: {
    NoBootstrapCredentials: doc(
      "There is nothing to authenticate the TLS bootstrap with.",
      "Use token discovery, a discovery file with credentials, or --tls-bootstrap-token."
    ),
    ClusterConfiguration: doc(
      "The cluster's kubeadm-config ConfigMap cannot be read or used.",
      "Check that the cluster was made by kubeadm and that the token may read kubeadm-config."
    )
  },
  KubeApiError: {
    NotFound: doc("An object the join needs does not exist.", "Check the cluster's kubeadm objects the message names."),
    Unauthorized: doc(
      "The API server refused the credentials.",
      "Check the token or the certificate (an expired token is refused)."
    ),
    Forbidden: doc(
      "The credentials may not do the operation.",
      "Check the cluster's RBAC for bootstrap tokens (kubeadm init sets it up)."
    ),
    Conflict: doc("The object changed meanwhile.", RERUN),
    AlreadyExists: doc("The object already exists.", RERUN),
    Invalid: doc(
      "The API server refused the object as invalid.",
      "Check the configuration values the object is made from."
    ),
    TooManyRequests: doc("The API server kept throttling the join.", "Run the join again later."),
    ServerError: doc("The API server kept answering with a 5xx error.", API),
    OtherStatus: doc("The API server answered with another HTTP error.", API),
    Unreachable: doc("The API server did not answer.", API),
    ConnectionReset: doc("The connection to the API server kept breaking.", API),
    TLSError: doc("The TLS handshake with the API server failed.", "Check the endpoint and the cluster CA."),
    Timeout: doc("The API calls did not complete in time.", API),
    BadResponse: doc("The API server's answer was malformed.", API)
  },
  TlsBootstrapError: {
    BadKubeconfig: doc(
      "The bootstrap kubeconfig lacks what the TLS bootstrap needs.",
      "Check the discovery file's credentials or --tls-bootstrap-token."
    ),
    RequestFailed: doc("A request of the CSR bootstrap failed.", API),
    Rejected: doc(
      "The node's certificate signing request was denied or failed.",
      "Check the cluster's CSR approver (kubeadm init's auto-approval RBAC)."
    ),
    Deleted: doc("The CSR was deleted before it was issued.", RERUN),
    Timeout: doc(
      "The CSR was not approved and issued in time.",
      "Check the CSR approver and signer (kube-controller-manager) of the cluster."
    )
  },
  KubeletError: {
    ReadyNodeExists: doc(
      "A Ready Node with this name exists and is not this machine.",
      "Delete the Node, or join with another --node-name."
    ),
    NodeLookupFailed: doc("The Node could not be read.", API),
    ConfigDownloadFailed: doc(
      "The kubelet's configuration could not be read from the cluster.",
      "Check the kubelet-config ConfigMap in kube-system."
    ),
    SelfBootstrapFailed: doc("The in-process TLS bootstrap (--self-tls-bootstrap) failed.", RERUN),
    TlsBootstrapTimeout: doc(
      "kubelet.conf did not become usable in time.",
      "Check that the kubelet runs (`systemctl status kubelet`) and that its CSR is approved."
    ),
    Unhealthy: doc(
      "The kubelet's /healthz did not answer 200 in time.",
      "Check the kubelet: `systemctl status kubelet`, `journalctl -xeu kubelet`."
    ),
    CriSocketAnnotationFailed: doc("The Node could not be annotated with its CRI socket.", API)
  },
  HostError: {
    CommandFailed: doc("A program could not be run at all.", "Install the program the message names."),
    CriUnavailable: doc(
      "The container runtime did not answer on its CRI socket.",
      "Start the container runtime, or give its socket with --cri-socket."
    ),
    CriAmbiguous: doc("Several CRI sockets exist and none was chosen.", "Choose one with --cri-socket."),
    LookupFailed: doc("A host name did not resolve.", "Check the machine's name resolution.")
  },
  RootFsError: {
    Escape: doc(
      "A path would leave --rootfs (a `..` or a symlink pointing outside).",
      "Check the symlinks under the root."
    ),
    NotFound: doc("A file the join needs does not exist.", "Create it, or run the phase that writes it."),
    Exists: doc("A file is in the way.", "Remove it (or run `kubeadm reset`), then join again."),
    PermissionDenied: doc("The join may not read or write a file.", "Run as root."),
    NotRegular: doc("A path the join reads is not a regular file.", "Point the flag at a regular file."),
    TooLarge: doc("A file is larger than the join reads (1 MiB; 256 KiB for --config).", "Check the file."),
    Other: doc("Another file system error.", RERUN)
  },
  CryptoError: {
    Key: doc("A key could not be generated, imported or exported.", "Check the key file the message names."),
    CertificateParse: doc("A certificate or CSR could not be parsed.", "Check the certificate file the message names."),
    CertificateCreate: doc("A certificate or CSR could not be created or signed.", RERUN),
    CertificateKey: doc(
      "--certificate-key is not 64 hex characters.",
      "Pass the key `kubeadm init --upload-certs` printed."
    ),
    DecryptShort: doc(
      "An entry of kubeadm-certs is too short to decrypt.",
      "Upload the certificates again (`kubeadm init phase upload-certs --upload-certs`)."
    ),
    DecryptAuthentication: doc(
      "kubeadm-certs could not be decrypted: wrong --certificate-key or altered data.",
      "Check --certificate-key, or upload the certificates again to get a new key."
    )
  },
  PkiError: {
    InvalidAddress: doc(
      "An address, CIDR or endpoint of the configuration cannot go into a certificate.",
      "Correct the address."
    ),
    Key: doc("A key pair cannot be generated or written.", RERUN),
    Ca: doc("A CA cannot be loaded.", "Provide the shared CAs (--certificate-key, or copy them)."),
    Certificate: doc(
      "A certificate cannot be reused or created.",
      "Remove the stale certificate the message names, then join again."
    ),
    ServiceAccount: doc("sa.key exists but cannot be used.", "Provide the cluster's sa.key and sa.pub."),
    Kubeconfig: doc(
      "A control-plane kubeconfig cannot be reused or created.",
      "Remove the stale kubeconfig the message names, then join again."
    )
  },
  DownloadCertsError: {
    BadKey: doc("--certificate-key cannot be decoded.", "Pass the key `kubeadm init --upload-certs` printed."),
    SecretMissing: doc(
      "The kubeadm-certs Secret is missing (it expires after two hours).",
      "Upload the certificates again: `kubeadm init phase upload-certs --upload-certs`."
    ),
    WrongKey: doc("The certificate key does not decrypt kubeadm-certs.", "Check --certificate-key."),
    MissingEntry: doc("kubeadm-certs lacks an entry this join needs.", "Upload the certificates again."),
    BadEntry: doc("An entry of kubeadm-certs is not a usable certificate or key.", "Upload the certificates again."),
    Api: doc("kubeadm-certs could not be read.", API)
  },
  EtcdError: {
    Unreachable: doc("etcd did not answer, or was not serving yet.", "Check the etcd members' health."),
    Rejected: doc(
      "etcd refused the request (e.g. a duplicate peer URL).",
      "Remove the stale member (`etcdctl member remove`), then join again."
    ),
    TooManyLearners: doc(
      "etcd holds another learner (one at a time) and it was not promoted within the wait.",
      "Check the other joining member's etcd, then run the join again."
    ),
    Timeout: doc(
      "The new etcd member did not become healthy in time.",
      "Check the etcd static Pod of this node and its peers."
    ),
    InvalidClusterStatus: doc(
      "The ClusterStatus of kubeadm-config cannot be read.",
      "Check the kubeadm-config ConfigMap."
    ),
    NoLocalEtcd: doc(
      "A stacked etcd member was asked of a cluster with external etcd.",
      "Skip the etcd phases for external etcd."
    )
  },
  ControlPlaneJoinError: {
    Gate: doc(
      "A condition for a new control-plane instance is not met (controlPlaneEndpoint, shared certificates).",
      "Set controlPlaneEndpoint on the cluster and provide the shared certificates (--certificate-key)."
    ),
    NoAdvertiseAddress: doc("No address to advertise was given or found.", "Pass --apiserver-advertise-address."),
    AdminConfig: doc(
      "admin.conf cannot be loaded.",
      "Run `kubeadm-ts join phase control-plane-prepare kubeconfig` first."
    ),
    AdminClient: doc("No client can be made from admin.conf.", "Check admin.conf."),
    EtcdCertificates: doc(
      "The etcd client certificates cannot be read.",
      "Run `kubeadm-ts join phase control-plane-prepare certs` first."
    ),
    ClusterStatus: doc("The ClusterStatus of kubeadm-config cannot be read.", "Check the kubeadm-config ConfigMap."),
    EtcdEndpoints: doc("The etcd members cannot be found.", "Check the etcd Pods of the other control-plane nodes."),
    EtcdUnavailable: doc("etcd cannot be reached.", "Check the etcd members' health."),
    EtcdUnhealthy: doc(
      "check-etcd found an unhealthy etcd member.",
      "Fix or remove the unhealthy member before adding one."
    ),
    EtcdJoin: doc("Adding the local etcd member failed.", "Check the etcd cluster, then join again."),
    InvalidManifest: doc("A generated static Pod is not a valid Pod.", "Check --patches and the configuration."),
    MarkNode: doc(
      "Labelling and tainting the Node failed.",
      "Check that the Node registered; run `join phase control-plane-join mark-control-plane`."
    ),
    UploadConfig: doc("Updating kubeadm-config failed.", API)
  },
  PatchesError: {
    ListFailed: doc("The --patches folder cannot be listed.", "Check the folder."),
    BadFileName: doc("A patch file's name is not `target[suffix][+type].{yaml,json}`.", "Rename the file."),
    ReadFailed: doc("A patch file cannot be read.", "Check the file."),
    BadPatch: doc("A patch file is not a valid patch.", "Fix the file's YAML or JSON."),
    ApplyFailed: doc("A patch does not apply to its target.", "Fix the patch.")
  },
  JoinStringError: {
    NotAJoinString: doc(
      "The argument is not a join string (no `kts<version>` start).",
      "Pass the string `kubeadm-ts join-string` printed."
    ),
    UnsupportedVersion: doc(
      "The join string's version is not one this kubeadm-ts reads.",
      "Make the string with this kubeadm-ts's `join-string`, or use the join flags."
    ),
    BadCharacter: doc(
      "The join string holds a character outside its alphabet (a-z, 2-7).",
      "Copy the whole string again."
    ),
    BadLength: doc("The join string is cut off or longer than it declares.", "Copy the whole string again."),
    ChecksumMismatch: doc(
      "The join string's checksum does not match: it was changed in transit.",
      "Copy the whole string again."
    ),
    BadField: doc(
      "A field of the join string is not valid, as the equivalent flag would not be.",
      "Make the string again from a valid join line."
    )
  },
  HealthCheckError: {
    NoAnswer: doc("A health endpoint did not answer.", "Check the component the message names.")
  },
  ControlPlaneHealthError: {
    Unhealthy: doc(
      "This node's kube-apiserver, controller manager or scheduler did not become healthy in time.",
      "Check the static Pods of this node (`crictl ps -a`, the kubelet's log)."
    )
  },
  KubeconfigError: {
    Invalid: doc("A kubeconfig does not parse or has a field of the wrong type.", "Check the kubeconfig.")
  },
  KubeconfigLoadError: {
    Unreadable: doc("A kubeconfig file cannot be read or parsed.", "Check the file the message names.")
  },
  PhaseTimeoutError: {
    Timeout: doc(
      "A phase did not finish within its deadline (the config's timeouts).",
      "Check what the message says was awaited; raise the timeout if the cluster is slow."
    )
  },
  UnknownPhaseError: {
    UnknownPhase: doc(
      "A phase name given to --skip-phases is not a phase.",
      "Use a name from `kubeadm-ts join --help`."
    )
  }
}

/** How failures outside every family are reported: a defect (a bug), an interruption. */
export const otherFailures = {
  Defect: doc("kubeadm-ts failed unexpectedly (a bug).", "Report it with the output of the run at --v=5."),
  Interrupted: doc("The join was interrupted (SIGINT/SIGTERM).", "Run the join again.")
} as const

const docOf = (family: string, reason: string): ReasonDoc | undefined =>
  (errorReasons as unknown as Record<string, Record<string, ReasonDoc> | undefined>)[family]?.[reason]

/** The family and reason of a typed failure (a PhaseFailed is unwrapped: its phase is kept). */
export const describeFailure = (error: unknown): FailureInfo => {
  const wrapped = isTagged(error, "PhaseFailed") ? (error as PhaseFailed<unknown>) : undefined
  const inner: unknown = wrapped === undefined ? error : wrapped.cause
  const phase = wrapped === undefined ? {} : { phase: wrapped.phase }
  const message = wrapped === undefined ? messageOf(inner) : wrapped.message
  if (typeof inner === "object" && inner !== null && "_tag" in inner && typeof inner._tag === "string") {
    const family = inner._tag
    const own = "reason" in inner && typeof inner.reason === "string" ? inner.reason : undefined
    const reason = own ?? (singleReasons as Record<string, string | undefined>)[family]
    const d = reason === undefined ? undefined : docOf(family, reason)
    if (reason !== undefined && d !== undefined) return { family, reason, message, ...d, ...phase }
  }
  return { family: "Defect", reason: "Defect", message, ...otherFailures.Defect, ...phase }
}

const isTagged = (u: unknown, tag: string): boolean =>
  typeof u === "object" && u !== null && "_tag" in u && u._tag === tag

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)
