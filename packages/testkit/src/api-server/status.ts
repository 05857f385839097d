/** `kind: Status` error bodies with the codes and reasons the real API server uses. */
export interface StatusBody {
  readonly kind: "Status"
  readonly apiVersion: "v1"
  readonly metadata: Record<string, never>
  readonly status: "Failure" | "Success"
  readonly message: string
  readonly reason: string
  readonly details?: Record<string, unknown>
  readonly code: number
}

/** A failed request: thrown by handlers, answered as its Status body with the same code. */
export class ApiError extends Error {
  constructor(
    readonly body: StatusBody,
    readonly headers: Record<string, string> = {}
  ) {
    super(body.message)
  }
  get code(): number {
    return this.body.code
  }
}

const make = (code: number, reason: string, message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code
  })

/** `configmaps` or `certificatesigningrequests.certificates.k8s.io`, as the server names a resource in messages. */
export const qualified = (plural: string, group: string): string => (group ? `${plural}.${group}` : plural)

/** 404 NotFound for a named object. */
export const notFound = (plural: string, group: string, name: string) =>
  make(404, "NotFound", `${qualified(plural, group)} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: plural
  })

/** 409 AlreadyExists when a create reuses a name. */
export const alreadyExists = (plural: string, group: string, name: string) =>
  make(409, "AlreadyExists", `${qualified(plural, group)} "${name}" already exists`, {
    name,
    ...(group ? { group } : {}),
    kind: plural
  })

/** 409 Conflict for a stale resourceVersion, with the real server's retry advice. */
export const conflict = (plural: string, group: string, name: string) =>
  make(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(group ? { group } : {}), kind: plural }
  )

/** 401 for a request whose credentials did not authenticate. */
export const unauthorized = () => make(401, "Unauthorized", "Unauthorized")

/** 403; `details` names the resource (and object) for resource requests, as the real server's Status does. */
export const forbidden = (message: string, details?: Record<string, unknown>) =>
  make(403, "Forbidden", message, details)

/** 422 Invalid with one `causes` entry per field error, as validation reports them. */
export const invalid = (
  kind: string,
  group: string,
  name: string,
  causes: ReadonlyArray<{ field: string; message: string }>
) =>
  make(
    422,
    "Invalid",
    `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
    {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map((c) => ({ reason: "FieldValueInvalid", message: c.message, field: c.field }))
    }
  )

/** 400 for a body that is not JSON or not an object, or disagrees with the URL. */
export const badRequest = (message: string) => make(400, "BadRequest", message)

/** 405 for a verb the path does not take (e.g. POST on a named object). */
export const methodNotAllowed = (message: string) => make(405, "MethodNotAllowed", message)

/** 415 for a body type the server cannot read, listing the accepted ones. */
export const unsupportedMediaType = (
  contentType: string,
  accepted = "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"
) =>
  make(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted} (got ${contentType})`
  )

/** 410 Expired: a watch asked for a resourceVersion older than the kept history. */
export const gone = (message: string) => make(410, "Expired", message)

/** 404 for a path that names no resource or document. */
export const pathNotFound = () => make(404, "NotFound", "the server could not find the requested resource")

/** Any status code, for fault injection (500 InternalError, 503 ServiceUnavailable, 429 TooManyRequests). */
export const statusError = (code: number, message?: string): ApiError => {
  const reason =
    code === 429
      ? "TooManyRequests"
      : code === 503
        ? "ServiceUnavailable"
        : code === 500
          ? "InternalError"
          : code === 504
            ? "Timeout"
            : code === 404
              ? "NotFound"
              : code === 403
                ? "Forbidden"
                : code === 401
                  ? "Unauthorized"
                  : "Unknown"
  return make(
    code,
    reason,
    message ?? (code === 429 ? "Too many requests, please try again later." : `injected failure (${code})`)
  )
}
