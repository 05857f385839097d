// The in-process TLS bootstrap's progress lines go through the phase's own Output, in order, and
// are all printed before the phase goes on (an Output that takes time must not reorder or lose them).
import { KubeletBootstrap, layerInProcess } from "@kubeadm-ts/join/bootstrap"
import { layerTest as healthTest } from "@kubeadm-ts/join/health"
import * as kubeApi from "@kubeadm-ts/join/kube-api"
import { parseKubeconfig } from "@kubeadm-ts/join/kubeconfig"
import { Output } from "@kubeadm-ts/join"
import * as rootfs from "@kubeadm-ts/join/rootfs"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect, Either, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { initCluster, type TestCluster } from "../src/index.js"
import * as crypto from "@kubeadm-ts/join/crypto"
import * as host from "@kubeadm-ts/join/host"

let cluster: TestCluster
const dirs: string[] = []
beforeAll(async () => {
  cluster = await initCluster({ address: "127.0.5.1", keyAlgorithm: "ecdsa-p256" })
  return () => cluster.close()
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("the in-process bootstrap's output", () => {
  it("prints every progress line through the given Output, in order, before 'Registered Node'", async () => {
    const printed: string[] = []
    // the CSR lines take longest to print: a fire-and-forget print would land after later lines, or never
    const slowOutput = Layer.succeed(Output, {
      info: (text) =>
        Effect.sleep(Duration.millis(text.includes("Certificate signing request") ? 300 : 0)).pipe(
          Effect.andThen(() => void printed.push(text))
        ),
      warn: (text) => Effect.sync(() => void printed.push(text)),
      detail: () => Effect.void
    })
    const root = mkdtempSync(join(tmpdir(), "kubeadm-ts-selfboot-"))
    dirs.push(root)
    const bootstrap = Either.getOrThrow(parseKubeconfig(cluster.bootstrapKubeconfig()))
    const context = Layer.mergeAll(
      slowOutput,
      rootfs.layer(root),
      kubeApi.layer,
      host.fake().layer,
      crypto.layer,
      healthTest()
    )
    await Effect.runPromise(
      Effect.flatMap(KubeletBootstrap, (b) =>
        b.beforeKubeletStart({
          bootstrap,
          nodeName: "self-boot-1",
          caPem: cluster.caPem,
          csrApiVersion: "v1",
          existing: "absent"
        })
      ).pipe(Effect.provide(layerInProcess.pipe(Layer.provide(context))))
    )
    const sent = printed.findIndex((l) =>
      /^\[kubelet-start\] Certificate signing request "[^"]+" sent for "system:node:self-boot-1"$/.test(l)
    )
    const issued = printed.findIndex((l) =>
      /^\[kubelet-start\] Certificate signing request "[^"]+" was approved and the certificate issued$/.test(l)
    )
    const registered = printed.indexOf('[kubelet-start] Registered Node "self-boot-1" with the new client certificate')
    expect(printed[0]).toBe("[kubelet-start] Performing the kubelet's TLS Bootstrap in-process (--self-tls-bootstrap)")
    expect(sent).toBe(1)
    expect(issued).toBeGreaterThan(sent)
    expect(registered).toBe(printed.length - 1)
    expect(registered).toBeGreaterThan(issued)
  })
})
