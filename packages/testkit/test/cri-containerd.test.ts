/**
 * The CRI client and the `CRI` preflight check against a REAL containerd started
 * for the test (config, root, state and socket in temp folders). No containerd
 * binary = this test fails loudly.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { Effect, Layer } from "effect"
import { rm } from "node:fs/promises"
import { ignoreSet, runChecks } from "@kubeadm-ts/workflow"
import { criCheck, Host, layer as hostLayer } from "@kubeadm-ts/join/host"
import * as rootFsLayers from "@kubeadm-ts/join/rootfs"
import { Duration } from "effect"
import { startContainerd } from "../src/node/containerd.js"
import { releasingOnFailure } from "./helpers.js"
import { makeWorkerMachine } from "../src/node/worker-machine.js"
import { joinContext } from "@kubeadm-ts/join"

let rootfs: string
beforeAll(async () => {
  rootfs = await makeWorkerMachine({ prefix: "cri-" })
  const remove = () => rm(rootfs, { recursive: true, force: true })
  const containerd = await releasingOnFailure(remove, () => startContainerd(rootfs))
  return async () => {
    await containerd.stop()
    await remove()
  }
})

const config = {
  nodeRegistration: { name: "n", criSocket: "", taints: undefined, kubeletExtraArgs: {}, ignorePreflightErrors: [] },
  caCertPath: "/etc/kubernetes/pki/ca.crt",
  discovery: { tlsBootstrapToken: "", timeout: Duration.minutes(5) }
}
const layers = (root: string, criSocket = "") => {
  const fs = rootFsLayers.layer(root)
  return Layer.mergeAll(
    fs,
    hostLayer.pipe(Layer.provide(fs)),
    joinContext.layer(
      { ...config, nodeRegistration: { ...config.nodeRegistration, criSocket } },
      { rootfs: root, skipPhases: [], selfTlsBootstrap: false, verbosity: 0 }
    )
  )
}

describe("CRI runtime.v1 against a real containerd", () => {
  it("detects the socket inside the rootfs and reads Version and Status", async () => {
    const r = await Effect.runPromise(
      Effect.gen(function* () {
        const host = yield* Host
        const found = yield* host.criEndpointsPresent
        const version = yield* host.criVersion("unix:///var/run/containerd/containerd.sock")
        const status = yield* host.criStatus("unix:///var/run/containerd/containerd.sock")
        return { found, version, status }
      }).pipe(Effect.provide(layers(rootfs)))
    )
    expect(r.found).toEqual(["unix:///var/run/containerd/containerd.sock"])
    expect(r.version.runtimeName).toBe("containerd")
    expect(r.version.runtimeApiVersion).toBe("v1")
    expect(r.status.find((c) => c.type === "RuntimeReady")?.status).toBe(true)
  })

  it("the CRI check passes with it, and fails clearly for a socket where nothing listens", async () => {
    const ok = await Effect.runPromise(runChecks([criCheck], ignoreSet([])).pipe(Effect.provide(layers(rootfs))))
    expect(ok.warnings).toEqual([])
    const empty = await makeWorkerMachine({ prefix: "cri-none-" })
    try {
      const failed = await Effect.runPromise(
        Effect.either(runChecks([criCheck], ignoreSet([])).pipe(Effect.provide(layers(empty, "/run/crio/crio.sock"))))
      )
      expect(failed._tag === "Left" && failed.left._tag).toBe("PreflightError")
      if (failed._tag === "Left" && failed.left._tag === "PreflightError") {
        expect(failed.left.lines).toEqual([
          "[ERROR CRI]: container runtime is not running: cannot connect to unix:///run/crio/crio.sock: no such socket"
        ])
      }
    } finally {
      await rm(empty, { recursive: true, force: true })
    }
  })
})
