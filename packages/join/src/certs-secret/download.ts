/**
 * control-plane-prepare/download-certs: fetch `kube-system/kubeadm-certs` with
 * the bootstrap-token client, decrypt every entry with the certificate key
 * (AES-256-GCM: nonce ‖ ciphertext ‖ tag) and write the shared CAs and
 * service-account keys. Everything is decrypted and checked first; nothing is
 * written unless all of it is good. The key never appears in a message.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto"
import { Data, Effect } from "effect"
import { aesGcmOpen } from "../crypto/aes.js"
import { attempt } from "../crypto/errors.js"
import type { KubeApiError, KubeClient } from "../kube-api/kube-api.js"
import { behaviourForVersion } from "../kubeadm-behaviour.js"
import type { ControlPlaneConfig } from "../manifests/control-plane-config.js"
import { Output } from "../output.js"
import { RootFs, type RootFsError } from "../rootfs/index.js"

/** The Secret in kube-system where `kubeadm init --upload-certs` leaves the encrypted control-plane certificates. */
export const CERTS_SECRET = "kubeadm-certs"

/** The reasons of DownloadCertsError. */
export const downloadCertsErrorReasons = [
  "BadKey",
  "SecretMissing",
  "WrongKey",
  "MissingEntry",
  "BadEntry",
  "Api"
] as const

/** Why the shared certificates could not be fetched: a bad key, a missing or expired Secret, a bad entry, or the API. */
export class DownloadCertsError extends Data.TaggedError("DownloadCertsError")<{
  readonly reason: (typeof downloadCertsErrorReasons)[number]
  /** What went wrong, in kubeadm's words. */
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    // kubeadm: a bad key fails before the download starts; everything else fails the download
    return this.reason === "BadKey"
      ? `error decoding certificate key: ${this.detail}`
      : `error downloading certs: ${this.detail}`
  }
}

/** Secret key -> destination path (spec §2.1), for the cluster's etcd mode. */
export const certsSecretEntries = (cfg: ControlPlaneConfig): Array<{ key: string; path: string }> => {
  const dir = cfg.certificatesDir
  const entries = [
    { key: "ca.crt", path: `${dir}/ca.crt` },
    { key: "ca.key", path: `${dir}/ca.key` },
    { key: "sa.key", path: `${dir}/sa.key` },
    { key: "sa.pub", path: `${dir}/sa.pub` },
    { key: "front-proxy-ca.crt", path: `${dir}/front-proxy-ca.crt` },
    { key: "front-proxy-ca.key", path: `${dir}/front-proxy-ca.key` }
  ]
  if (cfg.etcd.external) {
    const ext = cfg.etcd.external
    if (ext.caFile) entries.push({ key: "external-etcd-ca.crt", path: ext.caFile })
    if (ext.certFile) entries.push({ key: "external-etcd.crt", path: ext.certFile })
    if (ext.keyFile) entries.push({ key: "external-etcd.key", path: ext.keyFile })
  } else {
    entries.push({ key: "etcd-ca.crt", path: `${dir}/etcd/ca.crt` }, { key: "etcd-ca.key", path: `${dir}/etcd/ca.key` })
  }
  return entries
}

/** "key" for private keys, "public" for certificates and public keys, undefined for anything else. */
const classify = (data: Uint8Array): "key" | "public" | undefined => {
  const text = Buffer.from(data)
  try {
    createPrivateKey({ key: text, format: "pem" })
    return "key"
  } catch {
    /* not a private key */
  }
  try {
    new X509Certificate(text)
    return "public"
  } catch {
    /* not a certificate */
  }
  try {
    createPublicKey({ key: text, format: "pem" })
    return "public"
  } catch {
    /* not a public key */
  }
  return undefined
}

const wrap = (reason: DownloadCertsError["reason"], detail: string, cause?: unknown) =>
  new DownloadCertsError({ reason, detail, ...(cause !== undefined ? { cause } : {}) })

/** What to say when the kubeadm-certs Secret is gone: it expires after two hours, so the fix is to upload the certificates again. */
export const SECRET_GONE =
  'Secret "kubeadm-certs" was not found in the "kube-system" Namespace: the certificate Secret is gone or expired (it lives 2 hours): run `kubeadm init phase upload-certs --upload-certs` again on a control-plane node and use the new certificate key'

/** The `download-certs` step: reads kubeadm-certs, decrypts each entry with the certificate key and writes the files under the certificates folder. */
export const downloadCerts = (
  cfg: ControlPlaneConfig,
  certificateKey: string,
  client: KubeClient
): Effect.Effect<{ written: ReadonlyArray<string> }, DownloadCertsError | RootFsError, RootFs | Output> =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    yield* out.info(
      `[download-certs] Downloading the certificates in Secret "${CERTS_SECRET}" in the "kube-system" Namespace`
    )
    if (!/^[0-9a-fA-F]{64}$/.test(certificateKey))
      return yield* new DownloadCertsError({
        reason: "BadKey",
        detail: `the certificate key must be 64 hexadecimal characters (a 32-byte AES key), got ${certificateKey.length} characters`
      })
    const key = new Uint8Array(Buffer.from(certificateKey, "hex"))
    const secret = yield* client
      .getSecret("kube-system", CERTS_SECRET)
      .pipe(
        Effect.mapError((e: KubeApiError) =>
          e.reason === "NotFound"
            ? wrap("SecretMissing", `error downloading the secret: ${SECRET_GONE}`)
            : wrap("Api", `error downloading the secret: ${e.message}`, e)
        )
      )
    // decrypt everything before writing anything
    const plain = new Map<string, Uint8Array>()
    for (const [name, sealed] of Object.entries(secret.data)) {
      if (sealed.length === 0) {
        plain.set(name, sealed)
        continue
      }
      // only a crypto failure is about the data or the key; anything else thrown is a bug (a defect)
      const opened = yield* attempt(() => aesGcmOpen(key, sealed)).pipe(
        Effect.catchTag("CryptoError", (e) =>
          Effect.fail(
            e.reason === "DecryptAuthentication"
              ? wrap("WrongKey", `wrong certificate key: error decoding secret data with provided key: ${e.message}`, e)
              : wrap("BadEntry", `error decoding secret data with provided key: ${e.message}`, e)
          )
        )
      )
      plain.set(name, opened)
    }
    const writes: Array<{ path: string; data: Uint8Array; mode: number }> = []
    const certMode = behaviourForVersion(cfg.kubernetesVersion).certificatesWorldReadable ? 0o644 : 0o600
    for (const entry of certsSecretEntries(cfg)) {
      const data = plain.get(entry.key)
      if (data === undefined)
        return yield* wrap(
          "MissingEntry",
          `the Secret does not include the required certificate or key - name: ${entry.key}, path: ${entry.path}`
        )
      if (data.length === 0) {
        yield* out.detail(
          1,
          `[download-certs] Not saving "${entry.key}" to disk, since it is empty in the "${CERTS_SECRET}" Secret`
        )
        continue
      }
      const kind = classify(data)
      if (kind === undefined) return yield* wrap("BadEntry", `unknown data found in Secret entry "${entry.key}"`)
      writes.push({ path: entry.path, data, mode: kind === "key" ? 0o600 : certMode })
    }
    // current kubeadm prints it; 1.15 logged it at -v1
    const saving = `[download-certs] Saving the certificates to the folder: "${cfg.certificatesDir}"`
    yield* behaviourForVersion(cfg.kubernetesVersion).currentWording ? out.info(saving) : out.detail(1, saving)
    for (const w of writes) yield* fs.write(w.path, w.data, { mode: w.mode, dirMode: 0o755 })
    return { written: writes.map((w) => w.path) }
  })
