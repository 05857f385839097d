/**
 * `Kubelet`: stopping/starting the kubelet through the init system, and the
 * in-process TLS bootstrap (`--self-tls-bootstrap`) that writes exactly the files a
 * kubelet writes after its own bootstrap.
 */
import { Context, Data, Effect, Fiber, Layer, Option, Queue } from "effect"
import { tlsBootstrapEffect, type TlsBootstrapError } from "../bootstrap/index.js"
import { Host } from "../host/host.js"
import { KUBELET_CLIENT_CURRENT, KUBELET_CLIENT_CURRENT_RELATIVE, type Kubeconfig, kubeletKubeconfig, selectCluster, selectUser, serializeKubeconfig } from "../kubeconfig/kubeconfig.js"
import { KubeApi, type KubeApiError } from "../kube-api/kube-api.js"
import { Output } from "../output.js"
import { RootFs, type RootFsError } from "../rootfs/rootfs.js"
import { clientPemName, KUBELET_CONF, KUBELET_PKI_DIR } from "./files.js"

export class SelfBootstrapError extends Data.TaggedError("SelfBootstrapError")<{ readonly cause: TlsBootstrapError | RootFsError | KubeApiError }> {
  override get message() {
    return `the in-process TLS bootstrap failed: ${this.cause.message}`
  }
}

export interface SelfBootstrapInput {
  readonly bootstrap: Kubeconfig
  readonly nodeName: string
  /** certificates.k8s.io version the cluster serves for kubelets ("v1beta1" before 1.19). */
  readonly csrApiVersion: "v1" | "v1beta1"
}

export interface KubeletService {
  /** Best effort; prints kubeadm's notices (no init system, no service, failure). */
  readonly stop: Effect.Effect<void>
  /** Best effort; returns whether an init system (re)started the kubelet. */
  readonly start: Effect.Effect<boolean>
  readonly selfBootstrap: (input: SelfBootstrapInput) => Effect.Effect<void, SelfBootstrapError>
}

export class Kubelet extends Context.Tag("@kubeadm-ts/join/Kubelet")<Kubelet, KubeletService>() {}

/** Labels a kubelet puts on the Node it registers. */
export const nodeLabels = (nodeName: string): Record<string, string> => {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "arm64" ? "arm64" : process.arch
  return {
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": arch,
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": arch
  }
}

/**
 * The in-process bootstrap: ECDSA P-256 key, CSR for `system:node:<name>` /
 * `system:nodes`, wait for approval and the certificate, then the kubelet's files:
 * `kubelet-client-<date>.pem` (certificate + key, 0600), the
 * `kubelet-client-current.pem` symlink, and `kubelet.conf` (0600) pointing at it.
 * Finally the Node is registered with the new identity, as the kubelet would.
 */
export const selfBootstrap = (input: SelfBootstrapInput) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    const api = yield* KubeApi
    const cluster = selectCluster(input.bootstrap)
    const user = selectUser(input.bootstrap)?.value
    const server = cluster?.value.server ?? ""
    const caPem = cluster?.value.certificateAuthorityData ?? ""
    // The bootstrap client reports progress through a plain callback: its lines go through a
    // queue that one fiber of this effect prints, in order and with this effect's Output;
    // the queue is drained (and a failing print surfaces) before the bootstrap's result is used.
    const lines = yield* Queue.unbounded<Option.Option<Effect.Effect<void>>>()
    const printer = yield* Effect.fork(
      Queue.take(lines).pipe(
        Effect.flatMap(Option.match({ onNone: () => Effect.succeed(false), onSome: (print) => Effect.as(print, true) })),
        Effect.repeat({ while: (more) => more })
      )
    )
    const emit = (print: Effect.Effect<void>) => void Queue.unsafeOffer(lines, Option.some(print))
    const progress = (line: string) => emit(out.info(line))
    const result = yield* tlsBootstrapEffect({
      target: {
        server,
        caPem,
        token: user?.token,
        clientCertPem: user?.clientCertificateData,
        clientKeyPem: user?.clientKeyData
      },
      nodeName: input.nodeName,
      apiVersion: input.csrApiVersion,
      onProgress: (p) => {
        switch (p.kind) {
          case "csr-created":
            progress(`[kubelet-start] Certificate signing request "${p.csrName}" sent for "system:node:${input.nodeName}"`)
            break
          case "pending":
            progress(`[kubelet-start] Waiting for "${p.csrName}": ${p.detail}`)
            break
          case "retrying":
            emit(out.detail(1, `[kubelet-start] Retrying ${p.request} in ${p.delayMs}ms (attempt ${p.attempt}): ${p.cause}`))
            break
          case "issued":
            progress(`[kubelet-start] Certificate signing request "${p.csrName}" was approved and the certificate issued`)
            break
        }
      }
    }).pipe(
      Effect.ensuring(Queue.offer(lines, Option.none()).pipe(Effect.zipRight(Fiber.join(printer)))),
      Effect.mapError((cause) => new SelfBootstrapError({ cause }))
    )
    const fail = (cause: RootFsError | KubeApiError) => new SelfBootstrapError({ cause })
    const pemName = clientPemName(new Date())
    yield* fs.mkdir(KUBELET_PKI_DIR, 0o755).pipe(Effect.mapError(fail))
    yield* fs.write(`${KUBELET_PKI_DIR}/${pemName}`, result.combinedPem, { mode: 0o600 }).pipe(Effect.mapError(fail))
    yield* fs.symlink(pemName, KUBELET_CLIENT_CURRENT).pipe(Effect.mapError(fail))
    yield* fs.write(KUBELET_CONF, serializeKubeconfig(kubeletKubeconfig({ server, caPem, clientPemPath: KUBELET_CLIENT_CURRENT_RELATIVE })), { mode: 0o600 }).pipe(Effect.mapError(fail))

    // Register the Node as the kubelet would on first start (its own identity may create its own Node).
    const node = yield* api
      .client({
        clusters: [{ name: "default-cluster", value: { server, certificateAuthorityData: caPem } }],
        users: [{ name: "default-auth", value: { clientCertificateData: result.certPem, clientKeyData: result.keyPem } }],
        contexts: [{ name: "default-context", value: { cluster: "default-cluster", user: "default-auth" } }],
        currentContext: "default-context"
      })
      .pipe(Effect.mapError(fail))
    yield* node.createNode({ name: input.nodeName, labels: nodeLabels(input.nodeName) }).pipe(
      Effect.catchIf((e) => e.reason === "AlreadyExists" || e.reason === "Conflict", () => Effect.void),
      Effect.mapError(fail)
    )
    yield* out.info(`[kubelet-start] Registered Node "${input.nodeName}" with the new client certificate`)
  })

const noInit = {
  stop: "[kubelet-start] no supported init system detected, won't make sure the kubelet not running for a short period of time while setting up configuration for it.",
  start: "[kubelet-start] no supported init system detected, won't make sure the kubelet is running properly."
}

export const KubeletLive: Layer.Layer<Kubelet, never, Host | RootFs | Output | KubeApi> = Layer.effect(
  Kubelet,
  Effect.gen(function* () {
    const context = yield* Effect.context<Host | RootFs | Output | KubeApi>()
    const host = yield* Host
    const out = yield* Output
    const systemctl = Effect.gen(function* () {
      if ((yield* host.initSystem) !== "systemd") return Option.none<string>()
      return yield* host.lookPath("systemctl")
    })
    const service: KubeletService = {
      stop: Effect.gen(function* () {
        const tool = yield* systemctl
        if (Option.isNone(tool)) return yield* out.info(noInit.stop)
        const status = yield* Effect.either(host.run(tool.value, ["status", "kubelet"]))
        if (status._tag === "Right" && status.right.stdout.includes("Loaded: not-found")) {
          return yield* out.info("[kubelet-start] couldn't detect a kubelet service, can't make sure the kubelet not running for a short period of time while setting up configuration for it.")
        }
        const r = yield* Effect.either(host.run(tool.value, ["stop", "kubelet"]))
        if (r._tag === "Left" || r.right.exitCode !== 0) {
          yield* out.warn(`[kubelet-start] WARNING: unable to stop the kubelet service momentarily: [${r._tag === "Left" ? r.left.message : r.right.stderr.trim()}]`)
        }
      }),
      start: Effect.gen(function* () {
        const tool = yield* systemctl
        if (Option.isNone(tool)) {
          yield* out.info(noInit.start)
          return false
        }
        yield* out.info("[kubelet-start] Activating the kubelet service")
        yield* Effect.either(host.run(tool.value, ["daemon-reload"]))
        const r = yield* Effect.either(host.run(tool.value, ["restart", "kubelet"]))
        if (r._tag === "Left" || r.right.exitCode !== 0) {
          yield* out.warn(`[kubelet-start] WARNING: unable to start the kubelet service: [${r._tag === "Left" ? r.left.message : r.right.stderr.trim()}]`)
          yield* out.warn("[kubelet-start] Please ensure kubelet is reloaded and running manually.")
          return false
        }
        return true
      }),
      selfBootstrap: (input) => selfBootstrap(input).pipe(Effect.provide(context))
    }
    return service
  })
)
