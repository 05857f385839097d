/** What can go wrong with the cluster's etcd: one family, told apart by `reason`. */
import { Data } from "effect"

/**
 * - Unreachable: no endpoint answered, or etcd is not serving yet (retried);
 * - Rejected: etcd answered with an error, e.g. a duplicate peer URL (final);
 * - TooManyLearners: etcd takes one learner at a time (3.6's default `--max-learners=1`) and
 *   another join's learner is there: the add is retried with backoff until it is promoted;
 * - Timeout: the overall wait ran out;
 * - InvalidClusterStatus: the ClusterStatus document of kubeadm-config cannot be read;
 * - NoLocalEtcd: a stacked member was asked of a cluster with external etcd.
 */
export const etcdErrorReasons = [
  "Unreachable",
  "Rejected",
  "TooManyLearners",
  "Timeout",
  "InvalidClusterStatus",
  "NoLocalEtcd"
] as const
/** One of etcdErrorReasons. */
export type EtcdErrorReason = (typeof etcdErrorReasons)[number]
/** An etcd failure: unreachable, rejected by etcd, or a bad ClusterStatus; `message` says which. */
export class EtcdError extends Data.TaggedError("EtcdError")<{
  readonly reason: EtcdErrorReason
  /** What went wrong, in words (etcd's own text when it answered). */
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    if (this.reason === "NoLocalEtcd") return this.detail ?? "the cluster does not use a local etcd"
    return this.detail ?? this.reason
  }
}
