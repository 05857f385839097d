/**
 * JoinStringError: a join string that cannot be used. Its message says what is wrong and
 * never quotes the string (it carries the bootstrap token and, for a control plane, the
 * certificate key).
 */
import { Data } from "effect"

/** What is wrong with a join string (or with the values given to make one). */
export type JoinStringReason =
  /** It does not start with `kts<version>`. */
  | "NotAJoinString"
  /** `kts<N>` with a version this kubeadm-ts does not read. */
  | "UnsupportedVersion"
  /** A character outside the base32 alphabet (a-z, 2-7). */
  | "BadCharacter"
  /** Too short or too long for what it declares: cut off, or pasted twice. */
  | "BadLength"
  /** The checksum does not match: a character was changed, lost or added. */
  | "ChecksumMismatch"
  /** The checksum matches but a field is not valid, as the equivalent flag would not be. */
  | "BadField"

/** The fields of a join string, named as the flags that carry them on a join line. */
export type JoinStringField =
  "api-server-endpoint" | "token" | "discovery-token-ca-cert-hash" | "certificate-key" | "control-plane" | "options"

/** A join string that cannot be decoded, or values that cannot make one. */
export class JoinStringError extends Data.TaggedError("JoinStringError")<{
  readonly reason: JoinStringReason
  /** The field at fault (BadField). */
  readonly field?: JoinStringField
  /** The detail: the flag validation's text for a field, the position of a bad character, ... */
  readonly detail: string
}> {
  override get message(): string {
    switch (this.reason) {
      case "NotAJoinString":
        return `not a join string: ${this.detail}`
      case "UnsupportedVersion":
        return `unsupported join string: ${this.detail}`
      case "ChecksumMismatch":
        return `damaged join string: ${this.detail}; copy the whole string again`
      case "BadCharacter":
      case "BadLength":
        return `damaged join string: ${this.detail}`
      case "BadField":
        return `invalid join string: ${this.field === undefined ? "" : `--${this.field}: `}${this.detail}`
    }
  }
}
