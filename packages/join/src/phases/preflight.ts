/**
 * The `preflight` phase: kubeadm's root check alone (fail fast), then the worker
 * checks, each group aggregated with the ignore set; then discovery and the
 * cluster configuration (so a bad token or pin fails here, before anything is
 * written), and the "a Ready Node with this name exists" check.
 */
import { type Check, ignoreSet, runChecks } from "@kubeadm-ts/workflow"
import { Effect, Fiber } from "effect"
import { JoinData } from "../discovery/join-data.js"
import { isPrivilegedUser, workerChecks } from "../host/checks.js"
import { JoinContext } from "../join-context.js"
import { kubeletNodeName } from "../kubelet/files.js"
import { refuseReadyNode } from "../kubelet/node-check.js"
import { Output } from "../output.js"
import { controlPlanePreflight } from "../control-plane/preflight.js"
import { reportedChecks } from "../events/observe.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { PatchesError } from "../patches/patches.js"
import type { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { PreflightError } from "@kubeadm-ts/workflow"
import type { KubeletError } from "../kubelet/errors.js"
import type { Host } from "../host/host.js"
import type { Crypto } from "../crypto/crypto.js"
import type { RootFs } from "../rootfs/rootfs.js"
import { earlierRun, RESUME_RECORD, resumable } from "../resume/record.js"

/**
 * Starts every check at once (several wait on I/O: getaddrinfo, a port bind, the CRI
 * socket, `kubelet --version`) and hands runChecks the same checks reading their
 * results in the list's order, so warnings and errors still print in kubeadm's order.
 * Checks print nothing themselves, so running them together changes no output.
 */
export const startedTogether = <R>(checks: ReadonlyArray<Check<R>>) =>
  Effect.forEach(checks, (c) =>
    Effect.map(Effect.fork(c.run), (fiber): Check => ({ name: c.name, run: Fiber.join(fiber) }))
  )

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError | PreflightError | KubeletError | PatchesError,
  JoinContext | JoinData | Output | Host | RootFs | Crypto
> = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const out = yield* Output
  const data = yield* JoinData
  yield* out.info("[preflight] Running pre-flight checks")
  const ignore = ignoreSet(config.nodeRegistration.ignorePreflightErrors)
  const onWarning = (line: string) => out.warn(`\t${line}`)
  yield* runChecks(reportedChecks([isPrivilegedUser], ignore), ignore, onWarning)
  // What an earlier, unfinished run of this same join wrote does not stand in its way.
  const earlier = yield* earlierRun(config)
  const resumed: Array<string> = []
  const bindPort = config.controlPlane?.localAPIEndpoint.bindPort
  const own = resumable(earlier, resumed, bindPort)
  yield* runChecks(reportedChecks(yield* startedTogether(workerChecks(config).map(own)), ignore), ignore, onWarning)
  yield* data.clusterConfiguration
  // control-plane gate (controlPlaneEndpoint, shared certificates) and extra checks
  if (config.controlPlane !== undefined) yield* controlPlanePreflight(ignore, onWarning, own)
  const client = yield* data.bootstrapClient
  const nodeName = kubeletNodeName(config)
  yield* refuseReadyNode(client, nodeName)
  if (earlier._tag === "Some") {
    yield* out.info(
      `[preflight] Resuming the join of node "${earlier.value.nodeName}" started at ${earlier.value.startedAt}, which did not finish (see ${RESUME_RECORD}); keeping what it did:`
    )
    for (const line of resumed) yield* out.info(`\t${line}`)
  }
})
