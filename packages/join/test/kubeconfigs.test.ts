import "reflect-metadata"
import { execFileSync } from "node:child_process"
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either, Layer, Ref } from "effect"
import { afterEach, assert, describe, expect, it } from "vitest"
import { createCaCertificate, generateKeyPair, privateKeyToPem } from "../src/crypto/index.js"
import { parseKubeconfig } from "../src/kubeconfig/kubeconfig.js"
import { type OutputLine } from "../src/output.js"
import { ensureControlPlaneKubeconfigs } from "../src/pki/index.js"
import * as crypto from "../src/crypto/crypto.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"
import type { ControlPlaneConfig } from "../src/manifests/control-plane-config.js"
import * as output from "../src/output.js"

const roots: string[] = []
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true })
})

const rootWithCa = async () => {
  const root = await mkdtemp(join(tmpdir(), "kubeadm-ts-kc-"))
  roots.push(root)
  await mkdir(join(root, "etc/kubernetes/pki"), { recursive: true })
  const k = await generateKeyPair("ecdsa-p256")
  await writeFile(join(root, "etc/kubernetes/pki/ca.crt"), await createCaCertificate(k, { commonName: "kubernetes" }))
  await writeFile(join(root, "etc/kubernetes/pki/ca.key"), await privateKeyToPem(k.privateKey, "traditional"), {
    mode: 0o600
  })
  return root
}

const run = async (root: string, cfg: ControlPlaneConfig) => {
  const lines = Ref.unsafeMake<ReadonlyArray<OutputLine>>([])
  const result = await Effect.runPromise(
    Effect.either(ensureControlPlaneKubeconfigs(cfg)).pipe(
      Effect.provide(Layer.mergeAll(rootfs.layer(root), crypto.layer, output.fake(lines)))
    )
  )
  return { result, lines: Effect.runSync(Ref.get(lines)).map((l) => l.text) }
}

describe("control-plane kubeconfig files", () => {
  it("writes admin, controller-manager and scheduler kubeconfigs kubectl can read; reuses them on a second run", async () => {
    const root = await rootWithCa()
    const cfg = sampleConfig({ keyAlgorithm: "ECDSA-P256", controlPlaneEndpoint: "127.0.1.100:6443" })
    const { result, lines } = await run(root, cfg)
    expect(result._tag).toBe("Right")
    expect(lines).toEqual([
      "[kubeconfig] Generating kubeconfig files",
      `[kubeconfig] Using kubeconfig folder "/etc/kubernetes"`,
      `[kubeconfig] Writing "admin.conf" kubeconfig file`,
      `[kubeconfig] Writing "controller-manager.conf" kubeconfig file`,
      `[kubeconfig] Writing "scheduler.conf" kubeconfig file`
    ])
    for (const [file, user, org] of [
      ["admin.conf", "kubernetes-admin", "system:masters"],
      ["controller-manager.conf", "system:kube-controller-manager", ""],
      ["scheduler.conf", "system:kube-scheduler", ""]
    ] as const) {
      const path = join(root, "etc/kubernetes", file)
      expect((await stat(path)).mode & 0o777).toBe(0o600)
      const view = execFileSync(
        "kubectl",
        [
          "--kubeconfig",
          path,
          "config",
          "view",
          "-o",
          "jsonpath={.current-context} {.clusters[0].cluster.server} {.users[0].name}"
        ],
        { encoding: "utf8" }
      )
      expect(view).toBe(`${user}@kubernetes https://127.0.1.100:6443 ${user}`)
      const k = parseKubeconfig(await readFile(path, "utf8"))
      if (Either.isLeft(k)) throw k.left
      const certPath = join(root, `${file}.crt`)
      const certData = k.right.users[0]?.value.clientCertificateData
      assert.isDefined(certData)
      await writeFile(certPath, certData)
      expect(
        execFileSync("openssl", ["verify", "-CAfile", join(root, "etc/kubernetes/pki/ca.crt"), certPath], {
          encoding: "utf8"
        })
      ).toMatch(/OK/)
      const subject = execFileSync("openssl", ["x509", "-in", certPath, "-noout", "-subject"], { encoding: "utf8" })
      expect(subject).toContain(org ? `O = ${org}, CN = ${user}` : `CN = ${user}`)
    }
    const again = await run(root, cfg)
    expect(again.lines.filter((l) => l.startsWith("[kubeconfig] Using existing kubeconfig file"))).toHaveLength(3)
  })

  it("an existing file with another CA or server is an error (1.15)", async () => {
    const root = await rootWithCa()
    expect((await run(root, sampleConfig({ keyAlgorithm: "ECDSA-P256" }))).result._tag).toBe("Right")
    const other = await run(
      root,
      sampleConfig({ keyAlgorithm: "ECDSA-P256", controlPlaneEndpoint: "other.example.com:6443" })
    )
    expect(other.result._tag === "Left" && other.result.left.message).toBe(
      `a kubeconfig file "/etc/kubernetes/admin.conf" exists already but has got the wrong API Server URL`
    )
    const k = await generateKeyPair("ecdsa-p256")
    await writeFile(join(root, "etc/kubernetes/pki/ca.crt"), await createCaCertificate(k, { commonName: "kubernetes" }))
    await writeFile(join(root, "etc/kubernetes/pki/ca.key"), await privateKeyToPem(k.privateKey, "traditional"))
    const wrongCa = await run(root, sampleConfig({ keyAlgorithm: "ECDSA-P256" }))
    expect(wrongCa.result._tag === "Left" && wrongCa.result.left.message).toBe(
      `a kubeconfig file "/etc/kubernetes/admin.conf" exists already but has got the wrong CA cert`
    )
  })
})
