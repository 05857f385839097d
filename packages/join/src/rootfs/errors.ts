/** The one error family of file access inside the root. */
import { Data } from "effect"

/** Why a file operation failed, for callers to branch on (e.g. NotFound is often fine). */
export const rootFsErrorReasons = [
  "Escape",
  "NotFound",
  "Exists",
  "PermissionDenied",
  "NotRegular",
  "TooLarge",
  "Other"
] as const
/** One of rootFsErrorReasons. */
export type RootFsErrorReason = (typeof rootFsErrorReasons)[number]
/** `reason` is what callers branch on; `message` is kubeadm-style text naming the path. */
export class RootFsError extends Data.TaggedError("RootFsError")<{
  readonly op: string
  /** The path as seen inside the root, with a leading `/`. */
  readonly path: string
  readonly reason: RootFsErrorReason
  readonly detail: string
}> {
  override get message() {
    return this.reason === "Escape"
      ? `refusing to ${this.op} "${this.path}": ${this.detail}`
      : `couldn't ${this.op} "${this.path}": ${this.detail}`
  }
}
