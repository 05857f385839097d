/** The workflow's typed errors; each `message` is the user-facing text. */
import { Data, Duration } from "effect"

/** The text of any failure: its `message` when it has one. */
export const messageOf = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null && "message" in cause && typeof cause.message === "string") {
    return cause.message
  }
  return String(cause)
}

/** A name given to skip/only/retry/timeout that is not a full phase name. */
export class UnknownPhaseError extends Data.TaggedError("UnknownPhaseError")<{
  readonly name: string
  /** Every valid full name, in tree order. */
  readonly valid: ReadonlyArray<string>
}> {
  // Starts with kubeadm's wording (`invalid phase name: <name>`), then helps.
  override get message(): string {
    return `invalid phase name: ${this.name} (valid phase names: ${this.valid.join(", ")})`
  }
}

/** A phase's run or condition failed: `error execution phase <full name>: <cause>`. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- E is the instance's `cause` type, which callers narrow on
export class PhaseFailed<E> extends Data.TaggedError("PhaseFailed")<{
  /** Full name, e.g. `control-plane-prepare/certs`. */
  readonly phase: string
  readonly cause: E
}> {
  override get message(): string {
    return `error execution phase ${this.phase}: ${messageOf(this.cause)}`
  }
}

/** Added by `timeout(name, duration)` when the phase's run takes longer. */
export class PhaseTimeoutError extends Data.TaggedError("PhaseTimeoutError")<{
  readonly phase: string
  readonly duration: Duration.Duration
  /** What the phase was waiting for, e.g. "waiting for the new etcd member to join the cluster". */
  readonly awaiting?: string
}> {
  override get message(): string {
    const base = `phase ${this.phase} timed out after ${Duration.format(this.duration)}`
    return this.awaiting === undefined ? base : `${base} ${this.awaiting}`
  }
}
