/** What can go wrong on the machine: one family, told apart by `reason`. */
import { Data } from "effect"

/**
 * - CommandFailed: an executable could not be run at all (not: it ran and exited non-zero);
 * - CriUnavailable: the container runtime did not answer on its CRI socket;
 * - CriAmbiguous: several known CRI sockets exist and none was chosen;
 * - LookupFailed: a host name did not resolve (or the resolver did not answer in time).
 */
export const hostErrorReasons = ["CommandFailed", "CriUnavailable", "CriAmbiguous", "LookupFailed"] as const
/** One of hostErrorReasons. */
export type HostErrorReason = (typeof hostErrorReasons)[number]
/** A failure on the machine itself; `message` carries kubeadm's wording for each reason. */
export class HostError extends Data.TaggedError("HostError")<{
  readonly reason: HostErrorReason
  /** The command line (CommandFailed). */
  readonly command?: string
  /** The CRI endpoint (CriUnavailable). */
  readonly endpoint?: string
  /** The CRI endpoints found (CriAmbiguous). */
  readonly found?: ReadonlyArray<string>
  /** The host name looked up (LookupFailed); not `name`, which every Error has. */
  readonly host?: string
  /** What went wrong, in words. */
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    switch (this.reason) {
      case "CommandFailed":
        return `cannot execute '${this.command ?? ""}': ${this.detail ?? ""}`
      case "CriUnavailable":
        return `container runtime is not running: ${this.detail ?? ""}`
      case "CriAmbiguous":
        return `found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: ${(this.found ?? []).join(", ")}`
      case "LookupFailed":
        return this.detail ?? `lookup ${this.host ?? "(no name)"} failed`
    }
  }
}
