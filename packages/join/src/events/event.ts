/**
 * The join's events as data: what `kubeadm-ts join -o json` prints, one JSON object per line,
 * each with `schema` (the version of this format), `seq` and `time`. The JSON Schema of these
 * lines is packages/join/schema/join-events.v1.json; a change here changes it too (the tests
 * validate every line of real joins against it). No event ever holds a secret: flags are
 * redacted, files are named with their mode and digest, never their content.
 */

/** The `schema` field of every line; a breaking change of the format gets a new version. */
export const EVENTS_SCHEMA = "kubeadm-ts/join-events/v1"

/** How a failure is reported: the error family (`_tag`), its `reason`, kubeadm's message and what to do. */
export interface FailureInfo {
  /** The error family, e.g. `DiscoveryError`. */
  readonly family: string
  /** The family's reason literal, e.g. `PinMismatch`: what tools branch on. */
  readonly reason: string
  readonly message: string
  /** What the reason means (README's table). */
  readonly meaning: string
  readonly remediation: string
  /** The full name of the phase that failed, when a phase failed. */
  readonly phase?: string
}

/** One event of a join, before the envelope (`schema`, `seq`, `time`) is added. */
export type JoinEvent =
  | {
      readonly type: "run-start"
      readonly version: string
      /** `join` or `join phase <full name>`. */
      readonly command: string
      readonly role: "worker" | "control-plane"
      readonly dryRun: boolean
      /** The flags given, by name, with every secret redacted. */
      readonly flags: Readonly<Record<string, string | number | boolean | ReadonlyArray<string>>>
    }
  | {
      readonly type: "cluster"
      readonly kubernetesVersion: string
      readonly controlPlaneEndpoint: string
      readonly clusterName: string
    }
  | { readonly type: "phase-start"; readonly phase: string }
  | { readonly type: "phase-end"; readonly phase: string; readonly durationMs: number }
  | { readonly type: "phase-skip"; readonly phase: string; readonly reason: string }
  | { readonly type: "phase-fail"; readonly phase: string; readonly family: string; readonly reason: string }
  | {
      readonly type: "preflight-check"
      readonly name: string
      readonly result: "pass" | "warning" | "error"
      /** True when --ignore-preflight-errors names the check (or `all`): its errors are reported as warnings. */
      readonly ignored: boolean
      readonly messages: ReadonlyArray<string>
    }
  | {
      readonly type: "discovery"
      readonly method: "token" | "file"
      /** The endpoint asked (token discovery) or the discovery file / URL. */
      readonly endpoint: string
      /** The API server named in the verified cluster-info. */
      readonly server: string
      /** The `sha256:` pins of the CA certificates the join now trusts. */
      readonly caPins: ReadonlyArray<string>
      /** The pins given with --discovery-token-ca-cert-hash (none with file discovery or unsafe skip). */
      readonly pinned: ReadonlyArray<string>
    }
  | {
      readonly type: "file"
      /** As seen inside --rootfs. */
      readonly path: string
      /** Octal, e.g. `0600`. */
      readonly mode: string
      readonly bytes: number
      /** `sha256:<hex>` of the content; absent for a file holding a bootstrap token. */
      readonly sha256?: string
    }
  | {
      readonly type: "api-object"
      readonly verb: "create" | "update" | "patch" | "create-or-update"
      readonly kind: string
      readonly name: string
      readonly namespace?: string
    }
  | {
      readonly type: "wait-start"
      readonly id: number
      readonly awaiting: string
      readonly deadlineMs: number
    }
  | {
      readonly type: "wait-progress"
      readonly id: number
      readonly awaiting: string
      readonly elapsedMs: number
      readonly deadlineMs: number
      /** The last state observed, e.g. `CSR "csr-x" pending approval`. */
      readonly state: string
    }
  | {
      readonly type: "wait-end"
      readonly id: number
      readonly awaiting: string
      readonly elapsedMs: number
      readonly deadlineMs: number
      readonly outcome: "done" | "failed" | "interrupted"
    }
  | {
      readonly type: "result"
      readonly outcome: "success"
      readonly exitCode: 0
      readonly nodeName: string
      readonly role: "worker" | "control-plane"
    }
  | { readonly type: "result"; readonly outcome: "failure"; readonly exitCode: 1; readonly error: FailureInfo }

/** One line of `-o json`: the event with its envelope. */
export type EventLine = JoinEvent & {
  readonly schema: typeof EVENTS_SCHEMA
  readonly seq: number
  readonly time: string
}
