/**
 * A REAL etcd for tests: the Debian `etcd` binary with TLS (server, peer and
 * client certificates from the cluster's etcd CA) on a dedicated loopback
 * address, a temp data dir and a clean environment (etcd reads every ETCD_*
 * variable). A missing binary is an error, never a skip.
 */
import "reflect-metadata"
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import {
  createCaCertificate,
  createCertificate,
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem
} from "@kubeadm-ts/join/crypto"
import { endpointStatus, listMembers, type EtcdMember, type EtcdTls } from "@kubeadm-ts/join/etcd"

/** Where etcd is expected; the CI script installs Debian's etcd-server when missing. */
export const etcdBinary = (): string => {
  for (const p of ["/usr/bin/etcd", "/usr/local/bin/etcd"]) if (existsSync(p)) return p
  const which = spawnSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" })
  const found = which.stdout.trim()
  if (which.status === 0 && found !== "") return found
  throw new Error(
    "the real etcd binary is missing (/usr/bin/etcd): install Debian's etcd-server (packages/testkit/ensure-components.sh does it)"
  )
}

/** The etcd CA that signs the member and client certificates of a real etcd. */
export interface EtcdCa {
  readonly certPem: string
  readonly keyPem: string
}

/** A fresh etcd CA (ECDSA P-256, CN etcd-ca), for tests that have no cluster. */
export const newEtcdCa = async (): Promise<EtcdCa> => {
  const keys = await generateKeyPair("ecdsa-p256")
  return {
    certPem: await createCaCertificate(keys, { commonName: "etcd-ca" }),
    keyPem: await privateKeyToPem(keys.privateKey, "traditional")
  }
}

/** A leaf certificate and its private key, both PEM, as files on disk hold them. */
export interface IssuedPair {
  readonly certPem: string
  readonly keyPem: string
}

/** A leaf signed by the etcd CA (kubeadm's etcd server/peer/healthcheck-client shapes). */
export const issueEtcdCert = async (
  ca: EtcdCa,
  spec: { commonName: string; organizations?: string[]; dnsNames?: string[]; ipAddresses?: string[]; server: boolean }
): Promise<IssuedPair> => {
  const caKeys = await privateKeyFromPem(ca.keyPem)
  const keys = await generateKeyPair("ecdsa-p256")
  const certPem = await createCertificate(
    keys.publicKey,
    {
      commonName: spec.commonName,
      organizations: spec.organizations,
      dnsNames: spec.dnsNames,
      ipAddresses: spec.ipAddresses,
      extKeyUsages: spec.server ? ["server", "client"] : ["client"]
    },
    { certPem: ca.certPem, keys: caKeys }
  )
  return { certPem, keyPem: await privateKeyToPem(keys.privateKey, "traditional") }
}

/** The healthcheck-client credentials (what kubeadm's etcd client uses) as an EtcdTls. */
export const etcdClientTls = async (ca: EtcdCa): Promise<EtcdTls> => {
  const c = await issueEtcdCert(ca, {
    commonName: "kube-etcd-healthcheck-client",
    organizations: ["system:masters"],
    server: false
  })
  return { ca: ca.certPem, cert: c.certPem, key: c.keyPem }
}

/** Whether `port` can be bound on `address` right now. */
const canBind = (address: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once("error", () => resolve(false))
    s.listen(port, address, () => s.close(() => resolve(true)))
  })

/**
 * A loopback address (127.<a>.<b>.<c>, away from 127.0.0.x) on which every
 * given port is free: one simulated node per address, so fixed ports never
 * collide even across parallel test files.
 */
export const freeLoopbackAddress = async (
  ports: ReadonlyArray<number> = [2379, 2380, 2381, 6443, 10250]
): Promise<string> => {
  for (let i = 0; i < 200; i++) {
    const address = `127.${2 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`
    let ok = true
    for (const p of ports)
      if (!(await canBind(address, p))) {
        ok = false
        break
      }
    if (ok) return address
  }
  throw new Error("no free loopback address found")
}

/** Spawns etcd with a clean environment; collects its log for error messages. */
export const spawnEtcd = (args: ReadonlyArray<string>, cwd: string): { child: ChildProcess; log: () => string } => {
  const child = spawn(etcdBinary(), [...args], {
    cwd,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let log = ""
  const keep = (b: Buffer) => {
    log = (log + b.toString("utf8")).slice(-20_000)
  }
  child.stdout.on("data", keep)
  child.stderr.on("data", keep)
  return { child, log: () => log }
}

/** Polls the member's status over TLS until it answers with a leader, or fails with the etcd log tail. */
export const waitEtcdReady = async (
  clientURL: string,
  tls: EtcdTls,
  child: ChildProcess,
  log: () => string,
  timeoutMs = 30_000
) => {
  const deadline = Date.now() + timeoutMs
  let delay = 50
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log().slice(-4000)}`)
    const r = await Effect.runPromise(Effect.either(endpointStatus(clientURL, tls, "2 seconds")))
    if (Either.isRight(r) && r.right.leader !== "0") return
    const last = Either.isLeft(r) ? r.left.message : "no leader yet"
    if (Date.now() > deadline)
      throw new Error(`etcd at ${clientURL} not ready after ${timeoutMs} ms (${last}):\n${log().slice(-4000)}`)
    await new Promise((res) => setTimeout(res, delay))
    delay = Math.min(delay * 2, 500)
  }
}

/** A running etcd process: its URLs, data folder, client credentials and how to stop it. */
export interface RealEtcd {
  readonly name: string
  readonly address: string
  readonly clientURL: string
  readonly peerURL: string
  readonly dataDir: string
  /** Client credentials (healthcheck-client) against this cluster. */
  readonly tls: EtcdTls
  readonly ca: EtcdCa
  readonly members: () => Promise<ReadonlyArray<EtcdMember>>
  readonly log: () => string
  readonly pid: number
  readonly stop: () => Promise<void>
}

/** How to start a one-member etcd: which CA signs it, its member name and address. */
export interface StartEtcdOptions {
  readonly ca?: EtcdCa
  readonly name?: string
  /** Defaults to a free loopback address. */
  readonly address?: string
}

/** Starts a one-member etcd cluster (the first control plane's stacked member). */
export const startEtcd = async (options: StartEtcdOptions = {}): Promise<RealEtcd> => {
  const ca = options.ca ?? (await newEtcdCa())
  const name = options.name ?? "cp-1"
  const address = options.address ?? (await freeLoopbackAddress([2379, 2380]))
  const dir = await mkdtemp(join(tmpdir(), "kubeadm-ts-etcd-"))
  const pki = join(dir, "pki")
  await mkdir(pki, { recursive: true })
  const sans = { dnsNames: [name, "localhost"], ipAddresses: [address, "127.0.0.1", "::1"] }
  const server = await issueEtcdCert(ca, { commonName: name, ...sans, server: true })
  const peer = await issueEtcdCert(ca, { commonName: name, ...sans, server: true })
  const tls = await etcdClientTls(ca)
  const files: Record<string, string> = {
    "ca.crt": ca.certPem,
    "server.crt": server.certPem,
    "server.key": server.keyPem,
    "peer.crt": peer.certPem,
    "peer.key": peer.keyPem
  }
  for (const [f, content] of Object.entries(files))
    await writeFile(join(pki, f), content, { mode: f.endsWith(".key") ? 0o600 : 0o644 })
  const dataDir = join(dir, "data")
  const clientURL = `https://${address}:2379`
  const peerURL = `https://${address}:2380`
  const { child, log } = spawnEtcd(
    [
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientURL}`,
      `--advertise-client-urls=${clientURL}`,
      `--listen-peer-urls=${peerURL}`,
      `--initial-advertise-peer-urls=${peerURL}`,
      `--initial-cluster=${name}=${peerURL}`,
      "--initial-cluster-state=new",
      `--cert-file=${join(pki, "server.crt")}`,
      `--key-file=${join(pki, "server.key")}`,
      "--client-cert-auth=true",
      `--trusted-ca-file=${join(pki, "ca.crt")}`,
      `--peer-cert-file=${join(pki, "peer.crt")}`,
      `--peer-key-file=${join(pki, "peer.key")}`,
      "--peer-client-cert-auth=true",
      `--peer-trusted-ca-file=${join(pki, "ca.crt")}`,
      "--snapshot-count=10000"
    ],
    dir
  )
  const stop = async () => {
    await stopChild(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitEtcdReady(clientURL, tls, child, log)
  } catch (e) {
    await stop()
    throw e
  }
  return {
    name,
    address,
    clientURL,
    peerURL,
    dataDir,
    tls,
    ca,
    log,
    stop,
    pid: child.pid ?? -1,
    members: () => Effect.runPromise(listMembers([clientURL], tls))
  }
}

/** SIGTERM, then SIGKILL after 3 s; resolves once the process is gone. */
export const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const t = setTimeout(() => child.kill("SIGKILL"), 3000)
    child.once("exit", () => {
      clearTimeout(t)
      resolve()
    })
    child.kill("SIGTERM")
  })
