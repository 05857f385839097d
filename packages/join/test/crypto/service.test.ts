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

  it("layerPrefetching hands out its pooled keys, each once, then generates; other algorithms pass through", async () => {
    const program = Effect.gen(function* () {
      const c = yield* Crypto
      // Three keys at once from a pool of two: both pooled ones and one more, all different.
      const pooled = yield* Effect.all(
        [0, 1, 2].map(() => c.generateKeyPair("ecdsa-p256")),
        { concurrency: "unbounded" }
      )
      const spkis = yield* Effect.forEach(pooled, (k) => c.publicKeyToPem(k.publicKey))
      const other = yield* c.generateKeyPair("rsa-2048")
      return { kinds: pooled.map((k) => k.kind), distinct: new Set(spkis).size, other: other.kind }
    })
    const r = await Effect.runPromise(
      program.pipe(Effect.provide(crypto.layerPrefetching("ecdsa-p256", 2)), Effect.scoped)
    )
    expect(r).toEqual({ kinds: ["ecdsa", "ecdsa", "ecdsa"], distinct: 3, other: "rsa" })
  })
})
