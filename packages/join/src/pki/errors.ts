/** The failures of the PKI builder: one family, told apart by `reason`. */
import { attemptThrowing } from "../thrown.js"
import { Data, Effect, Predicate } from "effect"

/**
 * - InvalidAddress: an address, CIDR or endpoint of the configuration cannot go into a SAN;
 * - Key: a key pair cannot be generated or written;
 * - Ca: a CA cannot be loaded or created;
 * - Certificate: a leaf certificate cannot be reused or created;
 * - ServiceAccount: sa.key exists but cannot be used;
 * - Kubeconfig: a control-plane kubeconfig cannot be reused or created.
 */
export const pkiErrorReasons = ["InvalidAddress", "Key", "Ca", "Certificate", "ServiceAccount", "Kubeconfig"] as const
/** One of pkiErrorReasons. */
export type PkiErrorReason = (typeof pkiErrorReasons)[number]
/** A certificate or key problem in the control-plane preparation; `detail` is kubeadm's text. */
export class PkiError extends Data.TaggedError("PkiError")<{
  readonly reason: PkiErrorReason
  /** kubeadm's text for the failure. */
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.detail
  }
}

// The tag, not the class: a PkiError thrown by a second copy of this module (a bundle) still counts.
const isPkiError = (e: unknown): e is PkiError => Predicate.isTagged(e, "PkiError")

/**
 * Runs a plain builder of this folder that throws a PkiError on a bad configuration value:
 * that PkiError fails; anything else thrown is a bug and dies.
 */
export const attempt = <A>(run: () => A): Effect.Effect<A, PkiError> => attemptThrowing(run, isPkiError)
