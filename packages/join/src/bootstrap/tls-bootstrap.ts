/**
 * The kubelet's TLS bootstrap, reusable: generate an ECDSA P-256 key, submit a CSR for
 * `system:node:<name>` / `system:nodes` with the bootstrap token, watch it until it is
 * approved and issued (or denied, deleted, or the deadline passes), return key + certificate.
 */
import { Effect } from "effect"
import { generateKeyPair, privateKeyToPem, type KeyPair } from "../crypto/keys.js"
import { createCsr } from "../crypto/lazy.js"
import {
  BootstrapConfigError, BootstrapConnectionError, BootstrapHttpError, BootstrapTimeoutError, CsrRejectedError,
  type TlsBootstrapError
} from "./errors.js"
import { type ApiTarget, defaultRetry, httpError, request, type RetryPolicy, watch } from "./http.js"

/** Where the bootstrap is, for progress lines like kubeadm's "CSR not yet approved". */
export type BootstrapProgress =
  | { readonly kind: "csr-created"; readonly csrName: string }
  | { readonly kind: "pending"; readonly csrName: string; readonly detail: "CSR not yet approved" | "CSR approved, certificate not yet issued" }
  | { readonly kind: "retrying"; readonly request: string; readonly attempt: number; readonly delayMs: number; readonly cause: string }
  | { readonly kind: "issued"; readonly csrName: string }

export interface TlsBootstrapOptions {
  /** Server, CA and the bootstrap token (see targetFromKubeconfig). */
  readonly target: ApiTarget
  readonly nodeName: string
  /** Overall deadline; default 5 minutes. */
  readonly timeoutMs?: number
  /** "v1" (current kubelets, with signerName) or "v1beta1" (the v1.15 kubelet). Default "v1". */
  readonly apiVersion?: "v1" | "v1beta1"
  /** Reuse a key instead of generating one (ECDSA P-256 by default). */
  readonly keys?: KeyPair
  readonly retry?: RetryPolicy
  readonly onProgress?: (p: BootstrapProgress) => void
}

export interface TlsBootstrapResult {
  readonly csrName: string
  readonly keys: KeyPair
  /** `EC PRIVATE KEY` PEM, the form the kubelet writes. */
  readonly keyPem: string
  readonly certPem: string
  /** Certificate then key, the content of `kubelet-client-current.pem`. */
  readonly combinedPem: string
}

export const KUBELET_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"

interface CsrObject {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string }
  readonly status?: {
    readonly certificate?: string
    readonly conditions?: ReadonlyArray<{ readonly type?: string; readonly reason?: string; readonly message?: string }>
  }
}

type CsrState =
  | { readonly kind: "issued"; readonly certPem: string }
  | { readonly kind: "rejected"; readonly why: string }
  | { readonly kind: "pending"; readonly detail: "CSR not yet approved" | "CSR approved, certificate not yet issued" }

const stateOf = (csr: CsrObject): CsrState => {
  const conditions = csr.status?.conditions ?? []
  const bad = conditions.find((c) => c.type === "Denied" || c.type === "Failed")
  if (bad) return { kind: "rejected", why: `${bad.type}${bad.reason ? ` (${bad.reason})` : ""}${bad.message ? `: ${bad.message}` : ""}` }
  const approved = conditions.some((c) => c.type === "Approved")
  if (approved && csr.status?.certificate)
    return { kind: "issued", certPem: Buffer.from(csr.status.certificate, "base64").toString("utf8") }
  return { kind: "pending", detail: approved ? "CSR approved, certificate not yet issued" : "CSR not yet approved" }
}

/** The CSR object the kubelet submits (spec 6.4 step 2; usages per key type as current kubelets). */
export const kubeletCsrObject = (requestPem: string, keyKind: "ecdsa" | "rsa", apiVersion: "v1" | "v1beta1") => {
  const usages = keyKind === "rsa" || apiVersion === "v1beta1"
    ? ["digital signature", "key encipherment", "client auth"]
    : ["digital signature", "client auth"]
  return {
    apiVersion: `certificates.k8s.io/${apiVersion}`,
    kind: "CertificateSigningRequest",
    metadata: { generateName: "csr-" },
    spec: {
      request: Buffer.from(requestPem).toString("base64"),
      usages,
      ...(apiVersion === "v1" ? { signerName: KUBELET_SIGNER } : {})
    }
  }
}

/** Promise form (throws the typed errors). */
export const tlsBootstrap = async (opts: TlsBootstrapOptions): Promise<TlsBootstrapResult> => {
  const deadline = Date.now() + (opts.timeoutMs ?? 5 * 60_000)
  const apiVersion = opts.apiVersion ?? "v1"
  const base = `/apis/certificates.k8s.io/${apiVersion}/certificatesigningrequests`
  const t = opts.target
  if (!t.token && !t.clientCertPem) throw new BootstrapConfigError({ message: "the bootstrap kubeconfig has no token and no client certificate" })
  const progress = opts.onProgress ?? (() => {})
  const policy = opts.retry ?? defaultRetry
  const call = (method: string, path: string, body?: unknown) =>
    request(t, { method, path, body, timeoutMs: Math.max(1, Math.min(10_000, deadline - Date.now())) }, policy,
      (n) => progress({ kind: "retrying", request: `${method} ${path}`, ...n }), deadline)

  const keys = opts.keys ?? (await generateKeyPair("ecdsa-p256"))
  const csrPem = await createCsr(keys, { commonName: `system:node:${opts.nodeName}`, organizations: ["system:nodes"] })
  const created = await call("POST", base, kubeletCsrObject(csrPem, keys.kind, apiVersion))
  if (created.status !== 201 && created.status !== 200) throw httpError({ method: "POST", path: base }, created)
  const csrName = (created.body as CsrObject).metadata?.name ?? ""
  progress({ kind: "csr-created", csrName })

  const selector = `fieldSelector=${encodeURIComponent(`metadata.name=${csrName}`)}`
  let lastDetail = ""
  const report = (s: CsrState) => {
    if (s.kind === "pending" && s.detail !== lastDetail) {
      lastDetail = s.detail
      progress({ kind: "pending", csrName, detail: s.detail })
    }
  }
  const timeout = () =>
    new BootstrapTimeoutError({
      csrName,
      message: `timed out waiting for the certificate signing request "${csrName}" to be approved and issued${lastDetail ? ` (${lastDetail})` : ""}`
    })

  // list (for the current state and a resourceVersion), then watch from there; relist when a watch ends
  while (Date.now() < deadline) {
    const listed = await call("GET", `${base}?${selector}`)
    if (listed.status !== 200) throw httpError({ method: "GET", path: base }, listed)
    const list = listed.body as { metadata?: { resourceVersion?: string }; items?: ReadonlyArray<CsrObject> }
    const item = list.items?.[0]
    if (!item) throw new CsrRejectedError({ csrName, message: `certificate signing request "${csrName}" was deleted before it was issued` })
    const state = stateOf(item)
    if (state.kind === "issued") return finish(csrName, keys, state.certPem, progress)
    if (state.kind === "rejected") throw new CsrRejectedError({ csrName, message: `certificate signing request "${csrName}" was ${state.why}` })
    report(state)

    const remainingS = Math.max(1, Math.ceil((deadline - Date.now()) / 1000))
    const rv = list.metadata?.resourceVersion ?? ""
    let outcome: CsrState | { kind: "deleted" } | undefined
    let stream: Awaited<ReturnType<typeof watch>>
    try {
      stream = await watch(t, `${base}?watch=true&${selector}&resourceVersion=${rv}&timeoutSeconds=${Math.min(remainingS, 60)}`, (ev) => {
        if (outcome) return
        if (ev.type === "DELETED") outcome = { kind: "deleted" }
        else if (ev.type === "ADDED" || ev.type === "MODIFIED") {
          const s = stateOf(ev.object as CsrObject)
          if (s.kind === "pending") report(s)
          else outcome = s
        }
        if (outcome) stream?.close()
      })
    } catch (e) {
      // a failed watch is retried through a relist (after a short pause), like an informer
      if (e instanceof BootstrapHttpError && e.status < 500 && e.status !== 429 && e.status !== 410) throw e
      if (!(e instanceof BootstrapHttpError) && !(e instanceof BootstrapConnectionError)) throw e
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))))
      continue
    }
    if (outcome) stream.close()
    const timer = setTimeout(() => stream.close(), Math.max(0, deadline - Date.now()))
    await stream.done
    clearTimeout(timer)
    const o = outcome as CsrState | { kind: "deleted" } | undefined
    if (o?.kind === "issued") return finish(csrName, keys, o.certPem, progress)
    if (o?.kind === "rejected") throw new CsrRejectedError({ csrName, message: `certificate signing request "${csrName}" was ${o.why}` })
    if (o?.kind === "deleted") throw new CsrRejectedError({ csrName, message: `certificate signing request "${csrName}" was deleted before it was issued` })
  }
  throw timeout()
}

const finish = async (csrName: string, keys: KeyPair, certPem: string, progress: (p: BootstrapProgress) => void): Promise<TlsBootstrapResult> => {
  const keyPem = await privateKeyToPem(keys.privateKey, "traditional")
  const cert = certPem.endsWith("\n") ? certPem : certPem + "\n"
  progress({ kind: "issued", csrName })
  return { csrName, keys, keyPem, certPem: cert, combinedPem: cert + keyPem }
}

const isTyped = (e: unknown): e is TlsBootstrapError =>
  e instanceof BootstrapHttpError || e instanceof BootstrapConnectionError || e instanceof CsrRejectedError ||
  e instanceof BootstrapTimeoutError || e instanceof BootstrapConfigError

/**
 * Effect form. Only the typed bootstrap failures are errors; anything else thrown (a crypto or
 * programming failure) is a defect, reported as a bug rather than as a configuration problem.
 */
export const tlsBootstrapEffect = (opts: TlsBootstrapOptions): Effect.Effect<TlsBootstrapResult, TlsBootstrapError> =>
  Effect.tryPromise({ try: () => tlsBootstrap(opts), catch: (e) => e }).pipe(
    Effect.catchAll((e) => (isTyped(e) ? Effect.fail(e) : Effect.die(e)))
  )
