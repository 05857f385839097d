import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { request, watch } from "../../src/bootstrap/http.js"
import { json, startTlsServer, type TestServer } from "../helpers/tls-server.js"

let server: TestServer
beforeAll(async () => {
  server = await startTlsServer((_req, res) => json(res, 200, {}))
})
afterAll(() => server.close())

describe("bootstrap HTTP client without a CA", () => {
  it("refuses to send the token or client certificate (an empty CA would trust the public roots)", async () => {
    server.requests.length = 0
    const target = { server: server.url, caPem: "", token: "abcdef.0123456789abcdef" }
    const spec = { method: "GET", path: "/api/v1/nodes/x", timeoutMs: 2_000 }
    await expect(request(target, spec)).rejects.toMatchObject({ _tag: "BootstrapConfigError" })
    await expect(request({ ...target, caPem: " \n" }, spec)).rejects.toMatchObject({ _tag: "BootstrapConfigError" })
    await expect(watch(target, "/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true", () => {})).rejects.toMatchObject({
      _tag: "BootstrapConfigError"
    })
    expect(server.requests).toEqual([])
    // With the CA the same request goes out.
    expect((await request({ ...target, caPem: server.caPem }, spec)).status).toBe(200)
    expect(server.requests.length).toBe(1)
  })
})
