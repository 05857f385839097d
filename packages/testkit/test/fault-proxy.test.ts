// The fault proxy on its own: each fault as a client and the server behind it see it, identities, kinds.
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tls from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  classifyEtcd,
  classifyKube,
  type FaultProxy,
  type ProxyFlavour,
  servingCertificate,
  startFaultProxy
} from "../src/faults/fault-proxy.js"

const CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info"

let dir: string
let caPem: string
let target: https.Server
let targetUrl: string
const received: Array<{ path: string; headers: Record<string, string | string[] | undefined> }> = []
const proxies: Array<FaultProxy> = []

const openssl = (...args: Array<string>) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] })

/** A client certificate of the test CA for `subject`. */
const clientCert = (name: string, subject: string) => {
  const f = (n: string) => join(dir, `${name}-${n}`)
  openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f("key.pem"))
  openssl("req", "-new", "-key", f("key.pem"), "-subj", subject, "-out", f("csr.pem"))
  execFileSync("sh", ["-c", `printf 'extendedKeyUsage=clientAuth\\n' > ${f("ext.cnf")}`])
  openssl(
    "x509",
    "-req",
    "-in",
    f("csr.pem"),
    "-CA",
    join(dir, "ca.crt"),
    "-CAkey",
    join(dir, "ca.key"),
    "-set_serial",
    String(Date.now()),
    "-days",
    "1",
    "-extfile",
    f("ext.cnf"),
    "-out",
    f("crt.pem")
  )
  return { cert: readFileSync(f("crt.pem"), "utf8"), key: readFileSync(f("key.pem"), "utf8") }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubeadm-ts-fault-proxy-"))
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    "/CN=test-ca",
    "-keyout",
    join(dir, "ca.key"),
    "-out",
    join(dir, "ca.crt"),
    "-days",
    "1",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,digitalSignature"
  )
  caPem = readFileSync(join(dir, "ca.crt"), "utf8")
  const serving = servingCertificate(join(dir, "ca.crt"), join(dir, "ca.key"), ["127.0.0.1"])
  target = https.createServer({ ...serving }, (req, res) => {
    received.push({ path: req.url ?? "", headers: req.headers })
    req.resume()
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ server: targetUrl, padding: "x".repeat(300) }))
  })
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r))
  targetUrl = `https://127.0.0.1:${(target.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const p of proxies) await p.close()
  target.closeAllConnections()
  await new Promise((r) => target.close(r))
  rmSync(dir, { recursive: true, force: true })
})

const proxy = async (flavour: ProxyFlavour = "kube-apiserver") => {
  const ca = join(dir, "ca.crt")
  const p = await startFaultProxy({
    flavour,
    listen: { host: "127.0.0.1" },
    target: { host: "127.0.0.1", port: Number(new URL(targetUrl).port) },
    serving: servingCertificate(ca, join(dir, "ca.key"), ["127.0.0.1"]),
    clientCa: caPem,
    targetCa: caPem,
    upstreamClient: clientCert(`upstream-${proxies.length}`, "/CN=front-proxy-client"),
    rewrite: [[targetUrl, "https://proxied"]]
  })
  proxies.push(p)
  return p
}

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
  readonly chunks: number
}

/** One request through the proxy; rejects with the socket error, or "no answer" after `withinMs`. */
const send = (
  p: FaultProxy,
  path: string,
  options: { method?: string; headers?: Record<string, string>; cert?: { cert: string; key: string } } = {},
  withinMs = 5000
) =>
  new Promise<Answer>((resolve, reject) => {
    const req = https.request(
      `${p.url}${path}`,
      {
        method: options.method ?? "GET",
        ca: caPem,
        agent: false,
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.cert ?? {})
      },
      (res) => {
        let body = ""
        let chunks = 0
        res.on("data", (c: Buffer) => {
          chunks++
          body += c.toString()
        })
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, chunks })
        })
        res.on("error", reject)
      }
    )
    req.setTimeout(withinMs, () => req.destroy(new Error("no answer")))
    req.on("error", reject)
    req.end(options.method === "POST" ? "{}" : undefined)
  })

describe("the fault proxy", () => {
  it("passes requests through, rewriting the target's address in the answer", async () => {
    const p = await proxy()
    const before = received.length
    const r = await send(p, CLUSTER_INFO)
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ server: "https://proxied" })
    expect(received.length).toBe(before + 1)
    expect(p.seen()).toEqual([{ kind: "GET cluster-info", connection: 0 }])
  })

  it("500 and 429 (with Retry-After) as the API server words them, once; the target never sees them", async () => {
    const p = await proxy()
    const before = received.length
    const e500 = p.arm({ kind: "GET cluster-info", fault: "500" })
    p.arm({ kind: "GET kubeadm-config", fault: "429" })
    const r = await send(p, CLUSTER_INFO)
    expect(r.status).toBe(500)
    expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", reason: "InternalError", code: 500 })
    const t = await send(p, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
    expect(t.status).toBe(429)
    expect(t.headers["retry-after"]).toBe("1")
    expect(JSON.parse(t.body)).toMatchObject({ reason: "TooManyRequests", code: 429 })
    expect(received.length).toBe(before)
    // one-shot: the next one passes
    expect((await send(p, CLUSTER_INFO)).status).toBe(200)
    expect(e500.hits()).toBe(1)
  })

  it("persistent: every matching request", async () => {
    const p = await proxy()
    const h = p.arm({ kind: "GET cluster-info", fault: "500", persistent: true })
    for (let i = 0; i < 3; i++) expect((await send(p, CLUSTER_INFO)).status).toBe(500)
    expect(h.hits()).toBe(3)
  })

  it("a reset before the request goes on: the target never sees it", async () => {
    const p = await proxy()
    const before = received.length
    p.arm({ kind: "GET cluster-info", fault: "reset-before" })
    await expect(send(p, CLUSTER_INFO)).rejects.toMatchObject({ code: "ECONNRESET" })
    expect(received.length).toBe(before)
  })

  it("a reset after the target answered: the change is made, the client never hears", async () => {
    const p = await proxy()
    const before = received.length
    p.arm({ kind: "CSR create", fault: "reset-after" })
    await expect(
      send(p, "/apis/certificates.k8s.io/v1/certificatesigningrequests", { method: "POST" })
    ).rejects.toMatchObject({ code: "ECONNRESET" })
    expect(received.length).toBe(before + 1)
  })

  it("a stalled response: read, never answered", async () => {
    const p = await proxy()
    const before = received.length
    p.arm({ kind: "GET cluster-info", fault: "stall" })
    await expect(send(p, CLUSTER_INFO, {}, 500)).rejects.toThrow("no answer")
    expect(received.length).toBe(before)
  })

  it("a trickled response: the same bytes, one per write", async () => {
    const p = await proxy()
    const clean = await send(p, CLUSTER_INFO)
    p.arm({ kind: "GET cluster-info", fault: "trickle" })
    const r = await send(p, CLUSTER_INFO)
    expect(r.status).toBe(200)
    expect(r.body).toBe(clean.body)
    expect(r.chunks).toBeGreaterThan(r.body.length / 2)
  })

  it("a TLS handshake that never completes, on the chosen connection only", async () => {
    const p = await proxy()
    p.arm({ kind: "GET cluster-info", fault: "tls-hang", connection: 0 })
    const handshake = () =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host: "127.0.0.1", port: Number(p.address.split(":")[1]), ca: caPem }, () => {
          s.destroy()
          resolve("done")
        })
        s.on("error", () => resolve("error"))
        setTimeout(() => {
          s.destroy()
          resolve("hung")
        }, 500)
      })
    expect(await handshake()).toBe("hung")
    expect(await handshake()).toBe("done")
  })

  it("tls-hang after a kind was answered: the next connection", async () => {
    const p = await proxy()
    p.arm({ kind: "GET kubeadm-config", fault: "tls-hang", afterKind: "GET cluster-info" })
    expect((await send(p, "/version")).status).toBe(200)
    expect((await send(p, CLUSTER_INFO)).status).toBe(200)
    await expect(send(p, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config", {}, 500)).rejects.toThrow()
    expect((await send(p, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")).status).toBe(200)
  })

  it("forwards a verified client certificate as the front proxy's headers, and drops forged ones", async () => {
    const p = await proxy()
    const alice = clientCert("alice", "/O=devs/O=ops/CN=alice")
    await send(p, "/api/v1/nodes/n1", { cert: alice, headers: { "X-Remote-User": "mallory" } })
    expect(received.at(-1)?.headers).toMatchObject({ "x-remote-user": "alice", "x-remote-group": "devs, ops" })
    await send(p, "/api/v1/nodes/n1", { headers: { "X-Remote-User": "mallory", authorization: "Bearer t" } })
    expect(received.at(-1)?.headers["x-remote-user"]).toBeUndefined()
    expect(received.at(-1)?.headers["authorization"]).toBe("Bearer t")
  })

  it("etcd: Unavailable and ResourceExhausted as the v3 gateway answers them; a client certificate is required", async () => {
    const p = await proxy("etcd")
    const member = clientCert("etcd-client", "/CN=etcd-client")
    p.arm({ kind: "etcd MemberList", fault: "500" })
    p.arm({ kind: "etcd MemberAdd", fault: "429" })
    const list = await send(p, "/v3/cluster/member/list", { method: "POST", cert: member })
    expect(list.status).toBe(503)
    expect(JSON.parse(list.body)).toMatchObject({ code: 14 })
    const add = await send(p, "/v3/cluster/member/add", { method: "POST", cert: member })
    expect(add.status).toBe(429)
    expect(add.headers["retry-after"]).toBe("1")
    expect(JSON.parse(add.body)).toMatchObject({ code: 8 })
    expect((await send(p, "/v3/maintenance/status", { method: "POST" })).status).toBe(401)
  })

  it("names the request kinds a join makes", () => {
    const q = (s = "") => new URLSearchParams(s)
    expect(classifyKube("GET", CLUSTER_INFO, q())).toBe("GET cluster-info")
    expect(classifyKube("GET", "/api/v1/namespaces/kube-system/configmaps/kubelet-config", q())).toBe(
      "GET kubelet-config"
    )
    expect(classifyKube("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", q())).toBe("CSR create")
    expect(classifyKube("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests", q("watch=true"))).toBe(
      "CSR watch"
    )
    expect(classifyKube("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1", q())).toBe("CSR get")
    expect(classifyKube("PATCH", "/api/v1/nodes/n1", q())).toBe("Node patch")
    expect(classifyKube("POST", "/api/v1/nodes", q())).toBe("Node create")
    expect(classifyKube("GET", "/api/v1/namespaces/kube-system/secrets/kubeadm-certs", q())).toBe(
      "GET Secret kubeadm-certs"
    )
    expect(classifyEtcd("POST", "/v3/cluster/member/promote")).toBe("etcd MemberPromote")
    expect(classifyEtcd("POST", "/v3/maintenance/status")).toBe("etcd Status")
  })
})
