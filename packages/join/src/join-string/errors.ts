/**
 * JoinStringError: a join string that cannot be used. Its message says what is wrong and
 * never quotes the string (it carries the bootstrap token and, for a control plane, the
 * certificate key).
 */
import { Data } from "effect"

/**
 * What is wrong with a join string (or with the values given to make one): NotAJoinString (no
 * `kts<version>` start), UnsupportedVersion (a version this kubeadm-ts does not read),
 * BadCharacter (outside base32: a-z, 2-7), BadLength (cut off, or pasted twice),
 * ChecksumMismatch (a character changed, lost or added), BadField (the checksum matches but a
 * field is not valid, as the equivalent flag would not be).
 */
export const joinStringErrorReasons = [
  "NotAJoinString",
  "UnsupportedVersion",
  "BadCharacter",
  "BadLength",
  "ChecksumMismatch",
  "BadField"
] as const
/** One of joinStringErrorReasons. */
export type JoinStringReason = (typeof joinStringErrorReasons)[number]

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
