/**
 * A tiny HTTPS server for unit tests of the clients (a CA, a server certificate
 * for 127.0.0.1, a request log and a programmable handler). The full control
 * plane lives in the testkit; this keeps the join package's tests self-contained.
 */
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { createCaCertificate, createCertificate, generateKeyPair, privateKeyToPem } from "../../src/crypto/index.js"

export interface LoggedRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly body: string
}

export type Handler = (req: LoggedRequest, res: http.ServerResponse) => void

export interface TestServer {
  readonly url: string
  readonly caPem: string
  readonly requests: Array<LoggedRequest>
  handler: Handler
  readonly close: () => Promise<void>
}

export const makeCa = async (commonName = "kubernetes") => {
  const keys = await generateKeyPair("ecdsa-p256")
  const certPem = await createCaCertificate(keys, { commonName })
  return { keys, certPem }
}

export const startTlsServer = async (
  handler: Handler,
  host = "127.0.0.1",
  ca?: Awaited<ReturnType<typeof makeCa>>
): Promise<TestServer> => {
  const authority = ca ?? (await makeCa())
  const serverKeys = await generateKeyPair("ecdsa-p256")
  const cert = await createCertificate(
    serverKeys.publicKey,
    { commonName: "kube-apiserver", ipAddresses: [host], dnsNames: ["localhost"], extKeyUsages: ["server"] },
    { certPem: authority.certPem, keys: authority.keys }
  )
  const key = await privateKeyToPem(serverKeys.privateKey)
  const requests: Array<LoggedRequest> = []
  const state: { handler: Handler } = { handler }
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const logged = {
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString("utf8")
      }
      requests.push(logged)
      state.handler(logged, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `https://${host}:${port}`,
    caPem: authority.certPem,
    requests,
    get handler() {
      return state.handler
    },
    set handler(h: Handler) {
      state.handler = h
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

export const statusBody = (code: number, reason: string, message: string) => ({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message,
  reason,
  code
})
