/**
 * The fault matrix's machinery: a real cluster behind two fault proxies (API
 * server and etcd), joins run in-process through the library (live layers except
 * the kubelet's init system and the health probes), and the checks every cell
 * makes of the rootfs it leaves.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from "node:fs"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect, Either, Layer, Ref } from "effect"
import { parse } from "yaml"
import {
  controlPlaneLayer,
  defaultJoinFlags,
  health,
  joinLayer,
  joinWorkflow,
  kubelet,
  liveLoadEnv,
  loadJoin,
  output,
  type OutputLine,
  sweepTempFiles,
  dropBootstrapKubeconfig,
  withTimeouts,
  workerWorkflow
} from "@kubeadm-ts/join"
import { collectingReporter, type PhaseEvent, run } from "@kubeadm-ts/workflow"
import { type FaultProxy, type ProxyFault, servingCertificate, startFaultProxy } from "../../src/faults/fault-proxy.js"
import { makeWorkerMachine } from "../../src/node/worker-machine.js"
import type { NodeHost } from "../../src/real/node-process.js"
import type { RealClusterService } from "../../src/real/real-cluster.js"
import { waitFor } from "../../src/wait.js"

/** The cluster behind its proxies. */
export interface ProxiedCluster {
  readonly cluster: RealClusterService
  readonly api: FaultProxy
  readonly etcd: FaultProxy
}

/**
 * The real approver is quick: the join's first read of its CSR usually finds it signed, and the
 * watch that follows a pending read would then happen in some runs only. The read is answered as
 * pending (without a resourceVersion), so every join opens the watch, which starts with the CSR as
 * it is (approved and signed), and the matrix has a "CSR watch" kind in every run.
 */
const csrStillPending = (kind: string, body: string): string => {
  if (kind !== "CSR get") return body
  const csr = JSON.parse(body) as { metadata?: Record<string, unknown>; status?: Record<string, unknown> }
  delete csr.metadata?.["resourceVersion"]
  csr.status = {}
  return JSON.stringify(csr)
}

/** Puts the proxies in front of a real cluster and points its cluster-info at the API server's proxy. */
export const proxyCluster = async (cluster: RealClusterService): Promise<ProxiedCluster> => {
  const pki = (p: string) => join(cluster.controlPlane.root, "etc/kubernetes/pki", p)
  const text = (p: string) => readFileSync(pki(p), "utf8")
  const host = cluster.network.gateway
  const real = cluster.controlPlane.network.address
  const apiRewrite: Array<[string, string]> = []
  const etcdRewrite: Array<[string, string]> = []
  const etcd = await startFaultProxy({
    flavour: "etcd",
    listen: { host },
    target: { host: real, port: 2379 },
    serving: servingCertificate(pki("etcd/ca.crt"), pki("etcd/ca.key"), [host]),
    clientCa: text("etcd/ca.crt"),
    targetCa: text("etcd/ca.crt"),
    upstreamClient: { cert: text("apiserver-etcd-client.crt"), key: text("apiserver-etcd-client.key") },
    rewrite: etcdRewrite
  })
  const api = await startFaultProxy({
    flavour: "kube-apiserver",
    listen: { host },
    target: { host: real, port: 6443 },
    serving: servingCertificate(pki("ca.crt"), pki("ca.key"), [host]),
    clientCa: text("ca.crt"),
    targetCa: text("ca.crt"),
    upstreamClient: { cert: text("front-proxy-client.crt"), key: text("front-proxy-client.key") },
    rewrite: apiRewrite,
    transform: csrStillPending
  })
  // etcd's member list and the etcd Pods' annotations name the real client URL; the join gets the proxy's
  etcdRewrite.push([`https://${real}:2379`, etcd.url])
  apiRewrite.push([`https://${real}:2379`, etcd.url], [`${real}:6443`, api.address])

  // cluster-info is signed: change it on the server and let the real bootstrap signer sign it again
  const get = async () => {
    const r = await cluster.kubectl(["-n", "kube-public", "get", "cm", "cluster-info", "-o", "json"])
    if (r.code !== 0) throw new Error(`kubectl get cluster-info: ${r.stderr}`)
    return JSON.parse(r.stdout) as { data: Record<string, string> }
  }
  const before = await get()
  const kubeconfig = before.data["kubeconfig"] ?? ""
  const patched = kubeconfig.replace(`server: https://${real}:6443`, `server: ${api.url}`)
  if (patched === kubeconfig) throw new Error(`cluster-info names no server https://${real}:6443`)
  const patch = JSON.stringify({ data: { kubeconfig: patched } })
  const r = await cluster.kubectl(["-n", "kube-public", "patch", "cm", "cluster-info", "--type=merge", "-p", patch])
  if (r.code !== 0) throw new Error(`kubectl patch cluster-info: ${r.stderr}`)
  const jws = `jws-kubeconfig-${cluster.token.split(".")[0] ?? ""}`
  await waitFor(async () => (await get()).data[jws] !== before.data[jws], {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: "the bootstrap signer to sign the proxied cluster-info"
  })
  return { cluster, api, etcd }
}

const tagOf = (o: object): string => {
  const tag = (o as { _tag?: unknown })._tag
  return typeof tag === "string" ? tag : ""
}

/** How one cell ended. */
export type CellOutcome =
  | { readonly result: "joined" }
  | { readonly result: "failed"; readonly tag: string; readonly message: string; readonly causeTag: string }
  | { readonly result: "hung" }

/** A join to run in-process. */
export interface InProcessJoin {
  readonly nodeName: string
  /** For a control-plane join: the node it stands for (advertise address) and its etcd runs beside. */
  readonly controlPlane?: NodeHost
  /** Overall bound; past it the cell counts as a hang. */
  readonly deadline: Duration.DurationInput
}

const seconds = (s: number) => Duration.seconds(s)

/** Runs one join through the library against the proxies; returns its outcome and the rootfs it used. */
export const joinInProcess = async (
  p: ProxiedCluster,
  j: InProcessJoin,
  root: string
): Promise<{ outcome: CellOutcome; lines: ReadonlyArray<OutputLine>; phases: ReadonlyArray<string> }> => {
  const { cluster } = p
  const flags = {
    ...defaultJoinFlags,
    apiServerEndpoint: p.api.address,
    token: cluster.token,
    discoveryTokenCaCertHash: [cluster.caCertHash],
    nodeName: j.nodeName,
    rootfs: root,
    selfTlsBootstrap: true,
    ignorePreflightErrors: ["all"],
    verbosity: 2,
    ...(j.controlPlane
      ? {
          controlPlane: true,
          certificateKey: cluster.certificateKey,
          apiserverAdvertiseAddress: j.controlPlane.network.address
        }
      : {}),
    changed: new Set([
      "token",
      "discovery-token-ca-cert-hash",
      "node-name",
      "rootfs",
      "ignore-preflight-errors",
      "v",
      ...(j.controlPlane ? ["control-plane", "certificate-key", "apiserver-advertise-address"] : [])
    ])
  }
  const loaded = loadJoin(flags, liveLoadEnv)
  if (Either.isLeft(loaded)) throw new Error(`the join's flags: ${loaded.left.message}`)
  const { options } = loaded.right
  // short waits, so a persistent fault ends in its error well inside the cell's deadline
  const config = {
    ...loaded.right.config,
    discovery: { ...loaded.right.config.discovery, timeout: seconds(20) },
    timeouts: {
      controlPlaneComponentHealthCheck: seconds(20),
      kubeletHealthCheck: seconds(20),
      kubernetesAPICall: seconds(45),
      etcdAPICall: seconds(60),
      tlsBootstrap: seconds(60),
      upgradeManifests: seconds(60)
    }
  }
  const lines = Ref.unsafeMake<ReadonlyArray<OutputLine>>([])
  const events = Ref.unsafeMake<ReadonlyArray<PhaseEvent>>([])
  const reporter = collectingReporter(events)
  const overrides = { health: health.layerDryRun, kubelet: kubelet.layerDryRun, output: output.fake(lines) }
  const input = { config, options }
  const around = <R, E>(e: Effect.Effect<void, E, R>) =>
    sweepTempFiles.pipe(
      Effect.zipRight(e),
      Effect.onError(() => dropBootstrapKubeconfig)
    )
  const program: Effect.Effect<void, { readonly _tag: string; readonly message: string }> = j.controlPlane
    ? around(run(Either.getOrThrow(withTimeouts(config.timeouts)(joinWorkflow)))).pipe(
        Effect.provide(Layer.merge(controlPlaneLayer(input, overrides), reporter))
      )
    : around(run(Either.getOrThrow(withTimeouts(config.timeouts)(workerWorkflow)))).pipe(
        Effect.provide(Layer.merge(joinLayer(input, overrides), reporter))
      )
  const result = await Effect.runPromise(
    program.pipe(
      Effect.timeoutFail({ duration: j.deadline, onTimeout: () => ({ _tag: "Hung", message: "" }) }),
      Effect.either,
      Effect.map((e): CellOutcome => {
        if (Either.isRight(e)) return { result: "joined" }
        if (e.left._tag === "Hung") return { result: "hung" }
        const cause = (e.left as { cause?: unknown }).cause
        return {
          result: "failed",
          tag: e.left._tag,
          message: e.left.message,
          causeTag: typeof cause === "object" && cause !== null ? tagOf(cause) : ""
        }
      })
    )
  )
  const phases = Ref.get(events)
    .pipe(Effect.runSync)
    .flatMap((e) => (e._tag === "Succeeded" ? [`${e.phase} ${Duration.format(e.duration)}`] : []))
  return { outcome: result, lines: Ref.get(lines).pipe(Effect.runSync), phases }
}

/** What a cell may never leave under the rootfs: temp files, empty files, or config/PEM files that do not parse. */
export const tornFiles = (root: string, before: ReadonlySet<string>): Array<string> => {
  const bad: Array<string> = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name)
      const rel = full.slice(root.length)
      const st = lstatSync(full)
      if (st.isDirectory()) {
        if (rel !== "/proc") walk(full)
        continue
      }
      if (!st.isFile()) continue
      if (/\.tmp-[0-9a-f]+$/.test(name)) bad.push(`${rel} (a temp file)`)
      else if (st.size === 0 && !before.has(rel)) bad.push(`${rel} (empty)`)
      else if (/\.(crt|key|pem)$/.test(name)) {
        const t = readFileSync(full, "utf8")
        const begins = (t.match(/-----BEGIN /g) ?? []).length
        const ends = (t.match(/-----END /g) ?? []).length
        if (begins === 0 || begins !== ends) bad.push(`${rel} (a torn PEM)`)
      } else if (/\.(conf|yaml)$/.test(name)) {
        try {
          parse(readFileSync(full, "utf8"))
        } catch {
          bad.push(`${rel} (torn YAML)`)
        }
      }
    }
  }
  walk(root)
  return bad
}

/** The empty files a fresh machine already holds (not the join's). */
export const emptyFiles = (root: string): Set<string> => {
  const out = new Set<string>()
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name)
      const st = lstatSync(full)
      if (st.isDirectory()) walk(full)
      else if (st.isFile() && st.size === 0) out.add(full.slice(root.length))
    }
  }
  walk(root)
  return out
}

/** A fresh worker machine's rootfs (the real kubelet binary, fake init system). */
export const freshRoot = async (cluster: RealClusterService, dir?: string): Promise<string> => {
  const root = dir ?? mkdtempSync(join(tmpdir(), "kubeadm-ts-fault-cell-"))
  await makeWorkerMachine({ dir: root, kubeletBinary: cluster.components.bin("kubelet") })
  return realpathSync(root)
}

export const removeRoot = (root: string) => rm(root, { recursive: true, force: true })

/** One row of the printed table. */
export interface CellRow {
  readonly join: "worker" | "control-plane"
  readonly kind: string
  readonly fault: ProxyFault
  readonly persistent: boolean
  readonly outcome: CellOutcome["result"]
  readonly hits: number
  readonly note: string
}

/** The matrix as a small text table, and its totals. */
export const renderTable = (rows: ReadonlyArray<CellRow>): string => {
  const w = (s: string, n: number) => s.padEnd(n)
  const lines = rows.map(
    (r) =>
      `${w(r.join, 13)} ${w(r.kind, 28)} ${w(r.fault + (r.persistent ? "*" : ""), 13)} ${w(String(r.hits), 4)} ${w(r.outcome, 7)} ${r.note}`
  )
  const count = (o: string) => rows.filter((r) => r.outcome === o).length
  return [
    `${w("join", 13)} ${w("request kind", 28)} ${w("fault", 13)} ${w("hits", 4)} ${w("outcome", 7)} note`,
    ...lines,
    `cells: ${rows.length}; joined: ${count("joined")}; failed with a typed error: ${count("failed")}; hung: ${count("hung")} (* persistent)`
  ].join("\n")
}
