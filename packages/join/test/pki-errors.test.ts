/** The certs sub-phase: bad addresses in the configuration are PkiErrors; a programming error is a defect, not a PkiError. */
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer, Ref } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { ControlPlaneConfig } from "../src/manifests/control-plane-config.js"
import { type OutputLine } from "../src/output.js"
import { ensureControlPlaneCerts, PkiError } from "../src/pki/index.js"
import * as crypto from "../src/crypto/crypto.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"
import * as output from "../src/output.js"

const roots: string[] = []
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
})

const runCerts = async (cfg: ControlPlaneConfig) => {
  const root = await mkdtemp(join(tmpdir(), "kubeadm-ts-pki-"))
  roots.push(root)
  const exit = await Effect.runPromiseExit(
    ensureControlPlaneCerts(cfg).pipe(
      Effect.provide(
        Layer.mergeAll(rootfs.layer(root), crypto.layer, output.fake(Ref.unsafeMake<ReadonlyArray<OutputLine>>([])))
      )
    )
  )
  return { exit, files: await readdir(root, { recursive: true }) }
}

describe("certs: which failures are user errors", () => {
  for (const [what, cfg, message] of [
    [
      "advertise address",
      sampleConfig({ advertiseAddress: "not-an-ip" }),
      "error parsing LocalAPIEndpoint AdvertiseAddress not-an-ip: is not a valid textual representation of an IP address"
    ],
    [
      "controlPlaneEndpoint",
      sampleConfig({ controlPlaneEndpoint: "bad_host!:6443" }),
      'error parsing cluster controlPlaneEndpoint "bad_host!:6443"'
    ],
    [
      "service subnet",
      sampleConfig({ networking: { ...sampleConfig().networking, serviceSubnet: "10.96.0.0/99" } }),
      '"10.96.0.0/99" is not a valid CIDR'
    ]
  ] as const) {
    it(`a bad ${what} is a PkiError with its message; nothing written`, async () => {
      const { exit, files } = await runCerts(cfg)
      const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
      expect(failure?._tag === "Some" && failure.value).toBeInstanceOf(PkiError)
      expect(failure?._tag === "Some" && failure.value.message).toBe(message)
      expect(files).toEqual([])
    })
  }

  it("an exception that is not a PkiError (a broken configuration object) is a defect, not a PkiError", async () => {
    const broken = {
      ...sampleConfig(),
      apiServer: { ...sampleConfig().apiServer, certSANs: undefined }
    } as unknown as ControlPlaneConfig
    const { exit, files } = await runCerts(broken)
    expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)._tag).toBe("None")
    expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    expect(files).toEqual([])
  })
})
