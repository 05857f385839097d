/** The `control-plane-prepare/download-certs` phase: download the certificates shared among control-plane nodes from the kubeadm-certs Secret. */
import { Effect } from "effect"
import { downloadCerts } from "../certs-secret/download.js"
import { JoinData } from "../discovery/join-data.js"
import { JoinContext } from "../join-context.js"
import { Output } from "../output.js"
import { controlPlaneConfig } from "../control-plane/config.js"
import type { JoinDataError } from "../discovery/join-data.js"
import type { ControlPlaneJoinError } from "../control-plane/errors.js"
import type { DownloadCertsError } from "../certs-secret/download.js"
import type { RootFsError } from "../rootfs/rootfs.js"
import type { Host } from "../host/host.js"
import type { RootFs } from "../rootfs/rootfs.js"

/** The phase's work; its type names what it needs from the join. */
export const run: Effect.Effect<
  void,
  JoinDataError | ControlPlaneJoinError | DownloadCertsError | RootFsError,
  JoinContext | JoinData | Output | Host | RootFs
> = Effect.gen(function* () {
  const { config } = yield* JoinContext
  const key = config.controlPlane?.certificateKey ?? ""
  if (key === "") {
    yield* Effect.flatMap(Output, (o) => o.detail(1, "[download-certs] Skipping certs download"))
    return
  }
  const cfg = yield* controlPlaneConfig
  const client = yield* Effect.flatMap(JoinData, (d) => d.bootstrapClient)
  yield* downloadCerts(cfg, key, client)
})
