/** download-certs: only a DecryptError is a user-facing error; any other exception from the decipher is a defect (reported as a bug). */
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer, Ref } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { downloadCerts } from "../src/certs-secret/index.js"
import type { KubeClient } from "../src/kube-api/kube-api.js"
import { type OutputLine } from "../src/output.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"
import * as output from "../src/output.js"

// a programming error inside the decipher (not a wrong key or bad data)
vi.mock("../src/crypto/aes.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../src/crypto/aes.js")>()),
  aesGcmOpen: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'subarray')")
  }
}))

const roots: string[] = []
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
})

describe("download-certs", () => {
  it("an exception that is not a DecryptError dies (a bug), is not turned into a BadEntry, and nothing is written", async () => {
    const root = await mkdtemp(join(tmpdir(), "kubeadm-ts-dl-"))
    roots.push(root)
    const client = {
      server: "https://127.0.1.1:6443",
      getSecret: () =>
        Effect.succeed({
          metadata: { name: "kubeadm-certs", namespace: "kube-system" },
          data: { "ca.crt": new Uint8Array(40) }
        })
    } as unknown as KubeClient
    const key = "ab".repeat(32)
    const exit = await Effect.runPromiseExit(
      downloadCerts(sampleConfig({ kubernetesVersion: "v1.15.12" }), key, client).pipe(
        Effect.provide(Layer.merge(rootfs.layer(root), output.fake(Ref.unsafeMake<ReadonlyArray<OutputLine>>([]))))
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      expect(Cause.failureOption(exit.cause)._tag).toBe("None")
      expect(Cause.isDie(exit.cause)).toBe(true)
    }
    expect(await readdir(root, { recursive: true })).toEqual([])
  })
})
