/**
 * The names `--ignore-preflight-errors` takes: `all` and every check the join can report,
 * read from the check lists the `preflight` phase runs. A name built from the configuration
 * (a path, a port) is the default configuration's: `FileAvailable--etc-kubernetes-pki-ca.crt`,
 * `Port-6443`, `DirAvailable--var-lib-etcd`.
 */
import { configFromFlags, defaultJoinFlags } from "./config/flags.js"
import { controlPlaneChecks } from "./control-plane/preflight.js"
import { isPrivilegedUser, workerChecks } from "./host/checks.js"
import { controlPlaneConfigFrom } from "./manifests/from-cluster-configuration.js"

/** `all`, then the check names in the order the join runs them, each once. */
export const preflightCheckNames = (): ReadonlyArray<string> => {
  // An IPv6 endpoint makes the worker list include its proxy and IPv6 sysctl checks.
  const worker = configFromFlags({ ...defaultJoinFlags, apiServerEndpoint: "[::1]:6443" }).config
  const node = { nodeName: "", advertiseAddress: "", bindPort: defaultJoinFlags.apiserverBindPort }
  const localEtcd = controlPlaneConfigFrom({}, node)
  // External etcd without --certificate-key adds the check of its client files.
  const externalEtcd = controlPlaneConfigFrom({ etcd: { external: { caFile: "ca.crt" } } }, node)
  const names = [
    isPrivilegedUser,
    ...workerChecks(worker),
    ...controlPlaneChecks(localEtcd),
    ...controlPlaneChecks(externalEtcd, { certificateKey: false })
  ].map((c) => c.name)
  return ["all", ...new Set(names)]
}
