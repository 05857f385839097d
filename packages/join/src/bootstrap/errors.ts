/** Typed failures of the TLS-bootstrap client. No token or key ever appears in a message. */
import { Data } from "effect"

/** The API server answered with an error status (after retries for retryable ones). */
export class BootstrapHttpError extends Data.TaggedError("BootstrapHttpError")<{
  readonly status: number
  /** `reason` of the Status body when there is one (NotFound, Forbidden, ...). */
  readonly reason: string
  readonly message: string
}> {}

/** The server could not be reached, or TLS failed (after retries). */
export class BootstrapConnectionError extends Data.TaggedError("BootstrapConnectionError")<{ readonly message: string }> {}

/** The CSR was denied, failed, or deleted before it was issued. */
export class CsrRejectedError extends Data.TaggedError("CsrRejectedError")<{
  readonly csrName: string
  readonly message: string
}> {}

/** The deadline passed before the CSR was approved and issued. */
export class BootstrapTimeoutError extends Data.TaggedError("BootstrapTimeoutError")<{
  readonly csrName: string
  readonly message: string
}> {}

/** The bootstrap kubeconfig lacks what the bootstrap needs. */
export class BootstrapConfigError extends Data.TaggedError("BootstrapConfigError")<{ readonly message: string }> {}

export type TlsBootstrapError =
  | BootstrapHttpError
  | BootstrapConnectionError
  | CsrRejectedError
  | BootstrapTimeoutError
  | BootstrapConfigError
