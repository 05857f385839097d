/**
 * What `--dry-run` adds over a client whose writes carry `?dryRun=All`: each write is
 * announced with kubeadm's `[dryrun] Would perform action ...` lines, and the Node this
 * join would register is made up when the cluster has none, as kubeadm's dry-run client
 * does (GetNodeReactor, PatchNodeReactor): no kubelet runs, so no Node ever appears, and the
 * identity a dry run has (the bootstrap token) may not be allowed to read or patch one.
 */
import { Effect } from "effect"
import type { OutputService } from "../output.js"
import type { KubeClient, KubeApiError, Node } from "./kube-api.js"

const announce = (
  out: OutputService,
  verb: string,
  resource: string,
  group: string,
  name: string,
  namespace = ""
): Effect.Effect<void> =>
  Effect.andThen(
    out.info(`[dryrun] Would perform action ${verb} on resource "${resource}" in API group "${group}"`),
    out.info(`[dryrun] Resource name "${name}", namespace "${namespace}"`)
  )

const madeUpNode = (name: string): Node => ({
  metadata: { name, labels: { "kubernetes.io/hostname": name } },
  spec: {},
  status: { conditions: [] }
})

const orMadeUpNode = (name: string, effect: Effect.Effect<Node, KubeApiError>): Effect.Effect<Node, KubeApiError> =>
  Effect.catchIf(
    effect,
    (e) => e.reason === "NotFound" || e.reason === "Forbidden",
    () => Effect.succeed(madeUpNode(name))
  )

/** `client` (its writes already sent with dryRun=All) as `--dry-run` uses it. */
export const dryRunClient = (client: KubeClient, out: OutputService): KubeClient => ({
  ...client,
  updateConfigMap: (cm) =>
    Effect.andThen(
      announce(out, "UPDATE", "configmaps", "core/v1", cm.metadata.name, cm.metadata.namespace),
      client.updateConfigMap(cm)
    ),
  ensureRole: (role) =>
    Effect.andThen(
      announce(out, "CREATE", "roles", "rbac.authorization.k8s.io/v1", role.metadata.name, role.metadata.namespace),
      client.ensureRole(role)
    ),
  ensureRoleBinding: (rb) =>
    Effect.andThen(
      announce(out, "CREATE", "rolebindings", "rbac.authorization.k8s.io/v1", rb.metadata.name, rb.metadata.namespace),
      client.ensureRoleBinding(rb)
    ),
  getNode: (name) => orMadeUpNode(name, client.getNode(name)),
  createNode: (node) => Effect.andThen(announce(out, "CREATE", "nodes", "core/v1", node.name), client.createNode(node)),
  patchNode: (name, patch) =>
    Effect.andThen(announce(out, "PATCH", "nodes", "core/v1", name), orMadeUpNode(name, client.patchNode(name, patch))),
  createCsr: (csr) =>
    Effect.andThen(
      announce(
        out,
        "CREATE",
        "certificatesigningrequests",
        `certificates.k8s.io/${csr.apiVersion ?? "v1"}`,
        csr.generateName
      ),
      client.createCsr(csr)
    )
})
