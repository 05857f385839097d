import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { Crypto } from "../../src/crypto/index.js"
import * as crypto from "../../src/crypto/crypto.js"

describe("Crypto service", () => {
  it("lifts the functions into Effects with typed errors", async () => {
    const program = Effect.gen(function* () {
      const c = yield* Crypto
      const keys = yield* c.generateKeyPair("ecdsa-p256")
      const ca = yield* c.createCaCertificate(keys, { commonName: "kubernetes" })
      const hash = yield* c.caCertHash(ca)
      const bad = yield* Effect.either(c.parseCertificate("nope"))
      const key = yield* c.generateCertificateKey
      const sealed = yield* c.seal(key, "data")
      const wrong = yield* Effect.either(c.open("00".repeat(32), sealed))
      return { hash, bad, wrong, jws: yield* c.jwsSign("k", "abcdef", "0123456789abcdef") }
    })
    const r = await Effect.runPromise(program.pipe(Effect.provide(crypto.layer)))
    expect(r.hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(Either.isLeft(r.bad) && r.bad.left.reason).toBe("CertificateParse")
    expect(Either.isLeft(r.wrong) && r.wrong.left.reason).toBe("DecryptAuthentication")
    expect(r.jws).toContain("..")
  })
})
