/**
 * A kubelet stand-in for join tests: waits for `<rootfs>/etc/kubernetes/bootstrap-kubelet.conf`,
 * performs the kubelet's TLS bootstrap with the join package's (`tlsBootstrap` on its live KubeApi), writes
 * `var/lib/kubelet/pki/kubelet-client-<stamp>.pem` (+ the `kubelet-client-current.pem` symlink)
 * and `etc/kubernetes/kubelet.conf`, then registers its Node (Ready) with the client certificate.
 * Extensions (e.g. running static Pods) hook in through `onStarted`.
 */
import { existsSync, readFileSync } from "node:fs"
import { mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises"
import { hostname } from "node:os"
import { dirname, isAbsolute, join } from "node:path"
import {
  type BootstrapProgress,
  KUBELET_CLIENT_CURRENT,
  kubeletKubeconfig,
  tlsBootstrap
} from "@kubeadm-ts/join/bootstrap"
import * as kubeApi from "@kubeadm-ts/join/kube-api"
import { simpleKubeconfig } from "@kubeadm-ts/join/kubeconfig"
import { Effect, Either } from "effect"
import { type ApiTarget, request, targetFromKubeconfig } from "../raw-http.js"

/** What the kubelet's extensions get once its Node is registered. */
export interface KubeletContext {
  readonly rootfs: string
  readonly nodeName: string
  /** The API server with the kubelet's client certificate. */
  readonly target: ApiTarget
  /** `<rootfs>/etc/kubernetes/manifests`, where static Pod manifests are. */
  readonly manifestsDir: string
  /** Flags from kubeadm-flags.env (`--name=value` -> name: value). */
  readonly flags: Readonly<Record<string, string>>
  readonly signal: AbortSignal
}

/** How the FakeKubelet runs. */
export interface FakeKubeletOptions {
  readonly rootfs: string
  /** The machine's host name; `--hostname-override` in kubeadm-flags.env wins. Default os.hostname(). */
  readonly hostname?: string
  /** CSR API version; "v1" (current kubelets) by default, "v1beta1" as the v1.15 kubelet. */
  readonly csrApiVersion?: "v1" | "v1beta1"
  /** Poll interval for files (default 25 ms). */
  readonly pollIntervalMs?: number
  /** How long the TLS bootstrap may take (default 60 s). */
  readonly bootstrapTimeoutMs?: number
  /** After bootstrap-kubelet.conf appears, how long to wait for kubeadm-flags.env (default 5 s). */
  readonly flagsGraceMs?: number
  /** Write host paths (`<rootfs>/var/lib/...`) into kubelet.conf so host tools can use it (default true). */
  readonly hostPathsInKubeconfig?: boolean
  readonly internalIP?: string
  readonly kubeletVersion?: string
  readonly onProgress?: (p: BootstrapProgress | { kind: "registered"; nodeName: string }) => void
  /** Called once the Node is registered; the kubelet's extensions (static Pods, ...) start here. */
  readonly onStarted?: (ctx: KubeletContext) => void | Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const stamp = (d: Date) => d.toISOString().replace(/T/, "-").replace(/:/g, "-").replace(/\..*$/, "")

/** `KUBELET_KUBEADM_ARGS="--a=b --c=d"` -> { a: "b", c: "d" }. */
export const parseKubeadmFlags = (text: string): Record<string, string> => {
  const m = /KUBELET_KUBEADM_ARGS=(".*"|\S*)/.exec(text)
  if (!m?.[1]) return {}
  const raw = m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1]
  return Object.fromEntries(
    raw
      .split(/\s+/)
      .filter((a) => a.startsWith("--"))
      .map((a) => {
        const [k = "", ...v] = a.slice(2).split("=")
        return [k, v.join("=")]
      })
  )
}

const atomicWrite = async (path: string, content: string, mode: number) => {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 })
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  await writeFile(tmp, content, { mode })
  await rename(tmp, path)
}

/** The kubelet stand-in: bootstrap, files, Ready Node, then its extensions. */
export class FakeKubelet {
  private readonly abort = new AbortController()
  private resolveStarted!: (ctx: KubeletContext) => void
  private rejectStarted!: (e: unknown) => void
  /** Resolves once the Node is registered (and onStarted ran); rejects when the kubelet fails. */
  readonly started: Promise<KubeletContext>
  private loop: Promise<void> | undefined

  constructor(private readonly options: FakeKubeletOptions) {
    this.started = new Promise((res, rej) => {
      this.resolveStarted = res
      this.rejectStarted = rej
    })
    this.started.catch(() => {}) // observed through `started`; avoid unhandled rejections
  }

  private path(p: string): string {
    return join(this.options.rootfs, p)
  }

  /** Paths in kubeconfigs are absolute inside the rootfs; prefer that reading, fall back to the host. */
  private readRef = (p: string): string => {
    const inRoot = isAbsolute(p) ? this.path(p) : join(this.path("etc/kubernetes"), p)
    return existsSync(inRoot) ? readFileSyncUtf8(inRoot) : readFileSyncUtf8(p)
  }

  start(): this {
    this.loop ??= this.run().then(this.resolveStarted, this.rejectStarted)
    return this
  }

  async stop(): Promise<void> {
    this.abort.abort()
    await this.loop?.catch(() => {})
  }

  // A call, not a property read: stop() aborts while run() awaits, which narrowing cannot see.
  private stopped(): boolean {
    return this.abort.signal.aborted
  }

  private async run(): Promise<KubeletContext> {
    const o = this.options
    const interval = o.pollIntervalMs ?? 25
    const bootstrapConf = this.path("etc/kubernetes/bootstrap-kubelet.conf")
    const kubeletConf = this.path("etc/kubernetes/kubelet.conf")
    const flagsFile = this.path("var/lib/kubelet/kubeadm-flags.env")
    // wait for either a usable kubelet.conf or a bootstrap kubeconfig
    for (;;) {
      if (this.stopped()) throw new Error("fake kubelet stopped")
      if (existsSync(kubeletConf)) {
        const target = await this.tryLoad(kubeletConf)
        if (target) return this.register(target, await this.flags(flagsFile))
      }
      if (existsSync(bootstrapConf)) break
      await sleep(interval)
    }
    // kubeadm writes the flags after the bootstrap kubeconfig and then restarts the kubelet
    const graceEnd = Date.now() + (o.flagsGraceMs ?? 5_000)
    while (!existsSync(flagsFile) && Date.now() < graceEnd && !this.stopped()) await sleep(interval)
    const flags = await this.flags(flagsFile)
    const nodeName = this.nodeName(flags)
    const bootstrapTarget = targetFromKubeconfig(await readFile(bootstrapConf, "utf8"), this.readRef)
    const bootstrapped = await Effect.runPromise(
      Effect.either(
        tlsBootstrap({
          kubeconfig: simpleKubeconfig({
            clusterName: "default-cluster",
            cluster: { server: bootstrapTarget.server, certificateAuthorityData: bootstrapTarget.caPem },
            userName: "kubelet-bootstrap",
            user: {
              ...(bootstrapTarget.token !== undefined ? { token: bootstrapTarget.token } : {}),
              ...(bootstrapTarget.clientCertPem !== undefined
                ? { clientCertificateData: bootstrapTarget.clientCertPem }
                : {}),
              ...(bootstrapTarget.clientKeyPem !== undefined ? { clientKeyData: bootstrapTarget.clientKeyPem } : {})
            },
            contextName: "default-context"
          }),
          nodeName,
          apiVersion: o.csrApiVersion ?? "v1",
          timeout: o.bootstrapTimeoutMs ?? 60_000,
          onProgress: (p) => Effect.sync(() => o.onProgress?.(p))
        }).pipe(Effect.provide(kubeApi.layer))
      ),
      { signal: this.abort.signal }
    )
    if (Either.isLeft(bootstrapped)) throw bootstrapped.left
    const result = bootstrapped.right
    const pkiDir = this.path("var/lib/kubelet/pki")
    await mkdir(pkiDir, { recursive: true, mode: 0o755 })
    const file = `kubelet-client-${stamp(new Date())}.pem`
    await atomicWrite(join(pkiDir, file), result.combinedPem, 0o600)
    const current = join(pkiDir, "kubelet-client-current.pem")
    await rm(current, { force: true })
    await symlink(file, current) // relative: valid on the host and inside the rootfs
    const pemRef = (o.hostPathsInKubeconfig ?? true) ? this.path(KUBELET_CLIENT_CURRENT) : KUBELET_CLIENT_CURRENT
    await atomicWrite(
      kubeletConf,
      kubeletKubeconfig({ server: bootstrapTarget.server, ca: { pem: bootstrapTarget.caPem }, clientPemPath: pemRef }),
      0o600
    )
    return this.register(
      {
        server: bootstrapTarget.server,
        caPem: bootstrapTarget.caPem,
        clientCertPem: result.certPem,
        clientKeyPem: result.keyPem
      },
      flags
    )
  }

  private async tryLoad(kubeconfigPath: string): Promise<ApiTarget | undefined> {
    try {
      const t = targetFromKubeconfig(await readFile(kubeconfigPath, "utf8"), this.readRef)
      return t.clientCertPem && t.clientKeyPem ? t : undefined
    } catch {
      return undefined
    }
  }

  private async flags(file: string): Promise<Record<string, string>> {
    return existsSync(file) ? parseKubeadmFlags(await readFile(file, "utf8")) : {}
  }

  private nodeName(flags: Record<string, string>): string {
    return (flags["hostname-override"] || this.options.hostname || hostname()).toLowerCase()
  }

  private async register(target: ApiTarget, flags: Record<string, string>): Promise<KubeletContext> {
    const o = this.options
    const nodeName = this.nodeName(flags)
    const taints = (flags["register-with-taints"] ?? "")
      .split(",")
      .filter((t) => t !== "")
      .map((t) => {
        const [kv = "", effect = ""] = t.split(":")
        const [key = "", value] = kv.split("=")
        return { key, ...(value !== undefined ? { value } : {}), effect }
      })
    const labels: Record<string, string> = {
      "beta.kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": nodeName,
      "kubernetes.io/os": "linux"
    }
    for (const l of (flags["node-labels"] ?? "").split(",").filter((x) => x !== "")) {
      const [k = "", v = ""] = l.split("=")
      labels[k] = v
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z")
    const status = {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
          lastHeartbeatTime: now,
          lastTransitionTime: now
        }
      ],
      addresses: [
        { type: "InternalIP", address: o.internalIP ?? "127.0.0.1" },
        { type: "Hostname", address: nodeName }
      ],
      nodeInfo: { kubeletVersion: o.kubeletVersion ?? "v1.15.12", operatingSystem: "linux", architecture: "amd64" }
    }
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: nodeName,
        labels,
        annotations: {
          "node.alpha.kubernetes.io/ttl": "0",
          "volumes.kubernetes.io/controller-managed-attach-detach": "true"
        }
      },
      spec: taints.length > 0 ? { taints } : {},
      status
    }
    const created = await request(target, { method: "POST", path: "/api/v1/nodes", body: node, timeoutMs: 10_000 })
    if (created.status === 409) {
      const patched = await request(target, {
        method: "PATCH",
        path: `/api/v1/nodes/${nodeName}/status`,
        body: { status },
        contentType: "application/strategic-merge-patch+json",
        timeoutMs: 10_000
      })
      if (patched.status !== 200)
        throw new Error(`fake kubelet: cannot update the status of Node "${nodeName}": HTTP ${patched.status}`)
    } else if (created.status !== 201)
      throw new Error(
        `fake kubelet: cannot register Node "${nodeName}": HTTP ${created.status} ${JSON.stringify(created.body)}`
      )
    o.onProgress?.({ kind: "registered", nodeName })
    const ctx: KubeletContext = {
      rootfs: o.rootfs,
      nodeName,
      target,
      manifestsDir: this.path("etc/kubernetes/manifests"),
      flags,
      signal: this.abort.signal
    }
    await o.onStarted?.(ctx)
    return ctx
  }
}

const readFileSyncUtf8 = (p: string): string => readFileSync(p, "utf8")

/** Starts a FakeKubelet in the background; `await kubelet.started` for its Node, `kubelet.stop()` to end it. */
export const startFakeKubelet = (options: FakeKubeletOptions): FakeKubelet => new FakeKubelet(options).start()
