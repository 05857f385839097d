/** The typed failure of the PKI builder; `message` is the user-facing text. */
import { Data } from "effect"

export class PkiError extends Data.TaggedError("PkiError")<{ readonly message: string }> {}
