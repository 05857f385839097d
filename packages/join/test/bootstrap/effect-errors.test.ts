/** tlsBootstrapEffect: bad input is a typed error; anything else thrown is a defect (a bug), never a "config" error. */
import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { BootstrapConfigError, tlsBootstrapEffect } from "../../src/bootstrap/index.js"
import { generateKeyPair, type KeyPair } from "../../src/crypto/keys.js"

const target = { server: "https://127.0.0.1:1", caPem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", token: "abcdef.0123456789abcdef" }

describe("tlsBootstrapEffect", () => {
  it("a malformed client certificate/key PEM is a typed BootstrapConfigError naming the request (node:https throws it synchronously)", async () => {
    const keys = await generateKeyPair("ecdsa-p256")
    const bad = { server: target.server, caPem: target.caPem, clientCertPem: "not a PEM", clientKeyPem: "not a PEM" }
    const exit = await Effect.runPromiseExit(tlsBootstrapEffect({ target: bad, nodeName: "n", keys, timeoutMs: 2_000 }))
    const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
    expect(error?._tag === "Some" && error.value).toBeInstanceOf(BootstrapConfigError)
    expect(error?._tag === "Some" && error.value.message).toMatch(/^POST \/apis\/certificates\.k8s\.io\/v1\/certificatesigningrequests on https:\/\/127\.0\.0\.1:1: /)
  })

  it("an untyped exception (here: a broken key pair object) is a defect, not a BootstrapConfigError", async () => {
    const exit = await Effect.runPromiseExit(tlsBootstrapEffect({ target, nodeName: "n", keys: {} as KeyPair, timeoutMs: 2_000 }))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      expect(Cause.failureOption(exit.cause)._tag).toBe("None")
      expect(Cause.isDie(exit.cause)).toBe(true)
    }
  })
})
