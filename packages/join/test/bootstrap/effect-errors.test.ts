/** tlsBootstrap: bad input is a typed TlsBootstrapError; anything else thrown is a defect (a bug), never a "config" error. */
import { Cause, Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { tlsBootstrap, TlsBootstrapError } from "../../src/bootstrap/index.js"
import { generateKeyPair, type KeyPair } from "../../src/crypto/keys.js"
import * as kubeApi from "../../src/kube-api/kube-api.js"
import { simpleKubeconfig } from "../../src/kubeconfig/index.js"
import { json, startTlsServer, statusBody, type TestServer } from "../helpers/tls-server.js"

const CA = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
const kubeconfig = (
  server: string,
  caPem: string,
  user: { token?: string; clientCertificateData?: string; clientKeyData?: string }
) =>
  simpleKubeconfig({
    clusterName: "k",
    cluster: { server, certificateAuthorityData: caPem },
    userName: "u",
    user,
    contextName: "c"
  })

const failure = (exit: Exit.Exit<unknown, TlsBootstrapError>) =>
  Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined

let server: TestServer
beforeAll(async () => {
  server = await startTlsServer((_req, res) => json(res, 403, statusBody(403, "Forbidden", "no")))
})
afterAll(() => server.close())

describe("tlsBootstrap", () => {
  it("a malformed client certificate/key PEM is a typed BadKubeconfig error, refused before any request", async () => {
    server.requests.length = 0
    const keys = await generateKeyPair("ecdsa-p256")
    const bad = kubeconfig(server.url, server.caPem, { clientCertificateData: "not a PEM", clientKeyData: "not a PEM" })
    const exit = await Effect.runPromiseExit(
      tlsBootstrap({ kubeconfig: bad, nodeName: "n", keys, timeout: "2 seconds" }).pipe(Effect.provide(kubeApi.layer))
    )
    const error = failure(exit)
    expect(error?._tag === "Some" && error.value).toBeInstanceOf(TlsBootstrapError)
    expect(error?._tag === "Some" && error.value.reason).toBe("BadKubeconfig")
    expect(error?._tag === "Some" && error.value.message).toMatch(
      /^the bootstrap kubeconfig cannot be used: the kubeconfig's client certificate or key cannot be used: /
    )
    expect(server.requests).toEqual([])
  })

  it("an untyped exception (here: a broken key pair object) is a defect, not a TlsBootstrapError", async () => {
    const k = kubeconfig("https://127.0.0.1:1", CA, { token: "abcdef.0123456789abcdef" })
    const exit = await Effect.runPromiseExit(
      tlsBootstrap({ kubeconfig: k, nodeName: "n", keys: {} as KeyPair, timeout: "2 seconds" }).pipe(
        Effect.provide(kubeApi.layer)
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      expect(Cause.failureOption(exit.cause)._tag).toBe("None")
      expect(Cause.isDie(exit.cause)).toBe(true)
    }
  })

  it("without a CA it refuses to send the token (an empty CA would trust the public roots); with the CA the request goes out", async () => {
    server.requests.length = 0
    const run = (caPem: string) =>
      Effect.runPromiseExit(
        tlsBootstrap({
          kubeconfig: kubeconfig(server.url, caPem, { token: "abcdef.0123456789abcdef" }),
          nodeName: "n",
          timeout: "5 seconds"
        }).pipe(Effect.provide(kubeApi.layer))
      )
    for (const empty of ["", " \n"]) {
      const error = failure(await run(empty))
      expect(error?._tag === "Some" && error.value.reason).toBe("BadKubeconfig")
      expect(error?._tag === "Some" && error.value.message).toContain("no certificate-authority-data")
    }
    expect(server.requests).toEqual([])
    const error = failure(await run(server.caPem))
    expect(error?._tag === "Some" && error.value).toMatchObject({ reason: "RequestFailed", status: 403 })
    expect(server.requests.length).toBe(1)
    expect(server.requests[0]).toMatchObject({
      method: "POST",
      path: "/apis/certificates.k8s.io/v1/certificatesigningrequests",
      authorization: "Bearer abcdef.0123456789abcdef"
    })
  })
})
