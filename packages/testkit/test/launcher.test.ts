// The standalone launcher, run from source: JSON on stdout and in DIR, a working control plane, clean exit on SIGTERM.
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { kubectl, tempDir } from "./helpers.js"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const launcher = fileURLToPath(new URL("../src/launcher.ts", import.meta.url))

describe("kubeadm-ts-testkit serve", () => {
  it("prints the join document, serves, and exits on SIGTERM", async () => {
    const dir = tempDir("launcher-")
    const child = spawn(
      process.execPath,
      [
        "--conditions=@kubeadm-ts/source",
        "--import",
        "tsx",
        launcher,
        "serve",
        "--address",
        "127.0.1.10",
        "--port",
        "0",
        "--dir",
        dir,
        "--key-algorithm",
        "ecdsa-p256"
      ],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)))
    try {
      const deadline = Date.now() + 30_000
      while (!stdout.trimEnd().endsWith("}") && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 50))
      const doc = JSON.parse(stdout) as {
        endpoint: string
        token: string
        caCertHash: string
        certificateKey: string
        joinCommand: { worker: string; controlPlane: string }
        paths: { json: string; adminKubeconfig: string; caCert: string }
      }
      expect(doc.endpoint).toMatch(/^127\.0\.1\.10:\d+$/)
      expect(doc.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/)
      expect(doc.caCertHash).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(doc.certificateKey).toMatch(/^[0-9a-f]{64}$/)
      expect(doc.joinCommand.worker).toBe(
        `kubeadm-ts join ${doc.endpoint} --token ${doc.token} --discovery-token-ca-cert-hash ${doc.caCertHash}`
      )
      expect(JSON.parse(readFileSync(doc.paths.json, "utf8"))).toEqual(doc)
      expect(existsSync(doc.paths.caCert)).toBe(true)
      const r = await kubectl(doc.paths.adminKubeconfig, ["get", "--raw", "/version"])
      expect(JSON.parse(r.stdout)).toMatchObject({ gitVersion: "v1.15.12" })
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(stderr).toBe("")
  })

  it("rejects unknown flags with a usage line and exit code 1", async () => {
    const child = spawn(
      process.execPath,
      ["--conditions=@kubeadm-ts/source", "--import", "tsx", launcher, "serve", "--bogus", "1"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
    )
    let stderr = ""
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)))
    expect(code).toBe(1)
    expect(stderr).toContain("unknown flag --bogus")
    expect(stderr).toContain("usage: kubeadm-ts-testkit serve")
  })
})
