/**
 * A control-plane join at the highest verbosity (--v=10) prints no secret: not the
 * certificate key, not the token secret, no PEM private key, and no line of the CA and
 * service-account private keys it downloaded (nor of the keys it generated), on success;
 * and a join with a wrong certificate key does not print that key either.
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { defined } from "../helpers.js"
import { controlPlaneMachine, filesUnder, runCli, useClusterWithEtcd } from "./control-plane-helpers.js"

/** The base64 body lines of every PEM private key block in `pem`. */
const privateKeyBodyLines = (pem: string) =>
  [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----\n([\s\S]*?)-----END/g)]
    .filter((m) => /PRIVATE KEY/.test(m[1] ?? ""))
    .flatMap((m) => (m[2] ?? "").split("\n").filter((l) => l.length >= 16))

describe("no secret in any output line of a control-plane join at --v=10", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })

  it("a successful join prints neither the certificate key, the token secret nor any private key", async () => {
    const m = await controlPlaneMachine("cp-secrets")
    cp.cleanups.push(m.cleanup)
    const r = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags, "--v=10"])
    expect(r.code, r.stderr).toBe(0)
    const all = r.stdout + r.stderr
    expect(all.split("\n").length).toBeGreaterThan(40) // the verbose detail really is there
    expect(all).toContain("[download-certs]")
    expect(all).not.toContain(cp.cluster.certificateKey)
    expect(all).not.toContain(defined(cp.cluster.token.split(".")[1], "the token's secret"))
    expect(all).not.toContain("PRIVATE KEY")
    // every key under pki/ on the new node: the downloaded CAs and sa.key, and the generated leaves
    const pki = join(m.rootfs, "etc/kubernetes/pki")
    const keyFiles = (await filesUnder(pki)).filter((f) => f.endsWith(".key"))
    for (const downloaded of ["ca.key", "front-proxy-ca.key", "etcd/ca.key", "sa.key"])
      expect(keyFiles).toContain(downloaded)
    let checked = 0
    for (const f of keyFiles) {
      for (const line of privateKeyBodyLines(await readFile(join(pki, f), "utf8"))) {
        expect(all, `a line of ${f}`).not.toContain(line)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(keyFiles.length)
    for (const f of ["admin.conf", "controller-manager.conf", "scheduler.conf"]) {
      const conf = await readFile(join(m.rootfs, "etc/kubernetes", f), "utf8")
      const keyData = /client-key-data: (\S+)/.exec(conf)?.[1]
      expect(keyData, f).toBeDefined()
      for (const line of privateKeyBodyLines(Buffer.from(keyData ?? "", "base64").toString("utf8")))
        expect(all, `a line of ${f}'s key`).not.toContain(line)
    }
  })

  it("a join with a wrong certificate key fails in download-certs without printing the key", async () => {
    const m = await controlPlaneMachine("cp-secrets-bad")
    cp.cleanups.push(m.cleanup)
    const wrong = "0123456789abcdef".repeat(4)
    const args = cp.cluster.joinCommands.controlPlane.map((a, i, all) =>
      all[i - 1] === "--certificate-key" ? wrong : a.startsWith("--certificate-key=") ? `--certificate-key=${wrong}` : a
    )
    expect(args.join(" ")).toContain(wrong)
    const r = await runCli([...args, ...m.flags, "--v=10"])
    expect(r.code).not.toBe(0)
    const all = r.stdout + r.stderr
    expect(all).toContain("wrong certificate key")
    expect(all).not.toContain(wrong)
    expect(all).not.toContain(cp.cluster.certificateKey)
    expect(all).not.toContain(defined(cp.cluster.token.split(".")[1], "the token's secret"))
    expect(all).not.toContain("PRIVATE KEY")
  })
})
