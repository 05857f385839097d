/** `kubeadm-ts ca-cert-hash` against the openssl pipeline users run today. */
import { execSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, expect, it } from "vitest"
import { removeDir, runCli, tempDir } from "./run-cli.js"

const dir = tempDir("kubeadm-ts-pin-")
afterAll(() => removeDir(dir))

const opensslPin = (crt: string): string =>
  "sha256:" +
  (execSync(`openssl x509 -pubkey -noout -in ${crt} | openssl pkey -pubin -outform der | sha256sum`, {
    encoding: "utf8"
  }).split(" ")[0] ?? "")

for (const [name, keyArgs] of [
  ["RSA", "-newkey rsa:2048"],
  ["ECDSA P-256", "-newkey ec -pkeyopt ec_paramgen_curve:P-256"]
] as const) {
  it(`prints the sha256 SPKI pin of a ${name} CA like openssl`, () => {
    const crt = join(dir, `${name.replace(/\W/g, "")}.crt`)
    execSync(
      `openssl req -x509 ${keyArgs} -nodes -keyout ${crt}.key -out ${crt} -subj /CN=kubernetes -days 1 2>/dev/null`
    )
    const r = runCli(["ca-cert-hash", crt])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(opensslPin(crt) + "\n")
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/)
  })
}

it("refuses a file that holds no certificate", () => {
  const bad = join(dir, "not-a-cert.crt")
  writeFileSync(bad, "hello\n")
  const r = runCli(["ca-cert-hash", bad])
  expect(r.code).toBe(1)
  expect(r.stderr).toContain("not a PEM certificate")
})
