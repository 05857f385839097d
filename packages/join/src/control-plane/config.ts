/**
 * This node's merged control-plane configuration (the cluster's ClusterConfiguration +
 * this node's registration and local API endpoint, kubeadm's InitConfiguration), which
 * every control-plane builder works from.
 */
import { Effect, Option } from "effect"
import { JoinData } from "../discovery/join-data.js"
import { Host } from "../host/host.js"
import { JoinContext } from "../join-context.js"
import type { ControlPlaneConfig } from "../manifests/control-plane-config.js"
import { controlPlaneConfigFrom } from "../manifests/from-cluster-configuration.js"
import { ControlPlaneJoinError } from "./errors.js"

/** --apiserver-advertise-address, defaulted to the address of the default-route interface. */
export const advertiseAddress: Effect.Effect<string, ControlPlaneJoinError, JoinContext | Host> = Effect.gen(
  function* () {
    const { config } = yield* JoinContext
    const given = config.controlPlane?.localAPIEndpoint.advertiseAddress ?? ""
    if (given !== "") return given
    const host = yield* Host
    const found = yield* host.defaultRouteAddress
    if (Option.isSome(found)) return found.value
    return yield* new ControlPlaneJoinError({ reason: "NoAdvertiseAddress" })
  }
)

/** The merged configuration every control-plane builder works from. */
export const controlPlaneConfig = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const data = yield* JoinData
  const cluster = yield* data.clusterConfiguration
  const address = yield* advertiseAddress
  return controlPlaneConfigFrom(cluster.document, {
    nodeName: config.nodeRegistration.name,
    advertiseAddress: address,
    bindPort: config.controlPlane?.localAPIEndpoint.bindPort ?? 6443
  }) satisfies ControlPlaneConfig
})
