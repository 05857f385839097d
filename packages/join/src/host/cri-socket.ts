/**
 * The CRI endpoint of this join: `--cri-socket` / `nodeRegistration.criSocket`
 * when given (a bare path gets `unix://`), else the single known socket found
 * inside the rootfs, else containerd's default. Several found is an error.
 * What the kubelet flag and the Node annotation carry depends on the cluster's
 * version: `criSocketForCluster`.
 */
import { Effect, Option } from "effect"
import { JoinContext } from "../join-context.js"
import { behaviourForMinor } from "../kubeadm-behaviour.js"
import { Output, type OutputService } from "../output.js"
import { DEFAULT_CRI_ENDPOINT, Host, HostError } from "./host.js"

/** A bare socket path becomes a `unix://` URL, as kubeadm accepts both. */
export const normalizeCriEndpoint = (value: string): string => (value.startsWith("/") ? `unix://${value}` : value)

/** Outputs that already got the detection line: kubeadm detects once per run, we resolve in two phases. */
const told = new WeakSet<OutputService>()

/** The CRI endpoint to use: the configured one, else the only known socket present; several present is an error. */
export const resolveCriSocket: Effect.Effect<string, HostError, Host | JoinContext> = Effect.gen(function* () {
  const { config } = yield* JoinContext
  if (config.nodeRegistration.criSocket !== "") return normalizeCriEndpoint(config.nodeRegistration.criSocket)
  const host = yield* Host
  const found = yield* host.criEndpointsPresent
  if (found.length > 1) return yield* Effect.fail(new HostError({ reason: "CriAmbiguous", found }))
  const socket = found[0] ?? DEFAULT_CRI_ENDPOINT
  // kubeadm's klog V(1) line; Output is optional so checks run without one (tests, the testkit)
  const out = yield* Effect.serviceOption(Output)
  if (Option.isSome(out) && !told.has(out.value)) {
    told.add(out.value)
    yield* out.value.detail(1, `detected and using CRI socket: ${socket}`)
  }
  return socket
})

/**
 * The socket as the cluster's kubeadm would have written it into the kubelet flag
 * and the Node annotation: kubeadm 1.15–1.23 kept a given value verbatim and
 * detected plain paths; 1.24 and later always write a `unix://` URL.
 */
export const criSocketForCluster = (resolved: string, given: string, kubernetesMinor: number): string => {
  if (behaviourForMinor(kubernetesMinor).criSocketAsUrl) return resolved
  if (given !== "") return given
  return resolved.startsWith("unix://") ? resolved.slice("unix://".length) : resolved
}
