import { Data } from "effect"

/**
 * An etcd call failed. `kind`: "unreachable" (no endpoint answered),
 * "rejected" (etcd answered with an error, e.g. a duplicate peer URL),
 * "timeout" (the overall wait ran out).
 */
export class EtcdError extends Data.TaggedError("EtcdError")<{
  readonly kind: "unreachable" | "rejected" | "timeout"
  readonly message: string
}> {}
