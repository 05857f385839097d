/**
 * control-plane-prepare/certs: make sure every certificate a joining control
 * plane needs exists under certificatesDir, kubeadm's way:
 * - CAs are loaded (downloaded or copied before); a CA without its key puts
 *   its leaves in "external CA" mode (they must all exist already);
 * - an existing leaf is reused only if it loads, is in its validity period,
 *   verifies against its CA and covers every expected SAN; otherwise it is an
 *   error (never silently replaced);
 * - missing leaves get fresh keys (generated concurrently) and certificates.
 * Everything is checked before anything is written.
 */
import { Effect, Either } from "effect"
import type { CertificateInfo } from "../crypto/certs.js"
import { Crypto } from "../crypto/crypto.js"
import {
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
  type KeyAlgorithm as CryptoKeyAlgorithm,
  type KeyPair
} from "../crypto/keys.js"
import { createCaCertificate, createCertificate, parseCertificate, verifyCertificate } from "../crypto/lazy.js"
import type { ControlPlaneConfig, KeyAlgorithm } from "../manifests/control-plane-config.js"
import { Output } from "../output.js"
import { RootFs, type RootFsError } from "../rootfs/index.js"
import { canonicalIp, dnsMatches } from "./ip.js"
import { casFor, leafSpecs, type CaName, type CaSpec, type LeafCertSpec } from "./specs.js"
import { attempt, PkiError } from "./errors.js"
import { causeText } from "../cause-text.js"

export { PkiError }

/** Maps the ClusterConfiguration algorithm name to the crypto module's. */
export const cryptoAlgorithm = (a: KeyAlgorithm): CryptoKeyAlgorithm =>
  a === "ECDSA-P256" ? "ecdsa-p256" : a === "RSA-4096" ? "rsa-4096" : "rsa-2048"

/** A new key pair of the configured algorithm; a failure is a PkiError. */
export const newKeyPair = (a: KeyAlgorithm): Effect.Effect<KeyPair, PkiError, Crypto> =>
  Effect.flatMap(Crypto, (c) =>
    Effect.mapError(
      c.generateKeyPair(cryptoAlgorithm(a)),
      (e) => new PkiError({ reason: "Key", detail: causeText(e), cause: e })
    )
  )

/** PEM of a private key as kubeadm writes it (PKCS#1 `RSA PRIVATE KEY` / SEC1 `EC PRIVATE KEY`). */
export const keyPem = (k: KeyPair) =>
  Effect.tryPromise({
    try: () => privateKeyToPem(k.privateKey, "traditional"),
    catch: (e) => new PkiError({ reason: "Key", detail: causeText(e), cause: e })
  })

const readIfExists = (path: string) =>
  Effect.flatMap(RootFs, (fs) =>
    Effect.flatMap(fs.exists(path), (ok) =>
      ok ? Effect.map(fs.readText(path), (t): string | undefined => t) : Effect.succeed(undefined)
    )
  )

const parseCert = (pem: string) => Effect.tryPromise({ try: () => parseCertificate(pem), catch: (e) => causeText(e) })
const parseKey = (pem: string) => Effect.tryPromise({ try: () => privateKeyFromPem(pem), catch: (e) => causeText(e) })

const validityProblem = (c: CertificateInfo, now = new Date()): string | undefined =>
  now < c.notBefore ? "the certificate is not valid yet" : now > c.notAfter ? "the certificate has expired" : undefined

/** A CA read from the certificates folder; without a key it is an external CA. */
export interface LoadedCa {
  readonly spec: CaSpec
  readonly certPem: string
  /** Undefined: external CA (no key on this node). */
  readonly keys: KeyPair | undefined
}

/** Loads a CA pair; generates one only when neither file exists (never replaces a broken one). */
export const loadOrCreateCa = (cfg: ControlPlaneConfig, spec: CaSpec) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    const crtPath = `${cfg.certificatesDir}/${spec.base}.crt`
    const keyPath = `${cfg.certificatesDir}/${spec.base}.key`
    const crt = yield* readIfExists(crtPath)
    const key = yield* readIfExists(keyPath)
    if (crt === undefined && key === undefined) {
      const keys = yield* newKeyPair(cfg.keyAlgorithm)
      const certPem = yield* Effect.tryPromise({
        try: () => createCaCertificate(keys, { commonName: spec.commonName }),
        catch: (e) => new PkiError({ reason: "Ca", detail: causeText(e), cause: e })
      })
      yield* out.info(`[certs] Generating "${spec.base}" certificate and key`)
      yield* fs.write(keyPath, yield* keyPem(keys), { mode: 0o600 })
      yield* fs.write(crtPath, certPem, { mode: 0o644 })
      return { spec, certPem, keys } satisfies LoadedCa
    }
    if (crt === undefined)
      return yield* new PkiError({
        reason: "Ca",
        detail: `failure loading ${spec.base} certificate: couldn't load the certificate file ${crtPath}: no such file or directory`
      })
    const info = yield* parseCert(crt).pipe(
      Effect.mapError((m) => new PkiError({ reason: "Ca", detail: `failure loading ${spec.base} certificate: ${m}` }))
    )
    const bad = validityProblem(info)
    if (bad) return yield* new PkiError({ reason: "Ca", detail: `failure loading ${spec.base} certificate: ${bad}` })
    if (!info.isCA) return yield* new PkiError({ reason: "Ca", detail: `certificate ${spec.base} is not a CA` })
    const keys = key === undefined ? undefined : yield* parseKey(key).pipe(Effect.orElseSucceed(() => undefined))
    return { spec, certPem: crt, keys } satisfies LoadedCa
  })

/** Why an existing leaf cannot be reused, or undefined when it can. */
const existingLeafProblem = (leaf: LeafCertSpec, ca: LoadedCa, crt: string | undefined, key: string | undefined) =>
  Effect.gen(function* () {
    if (crt === undefined) return `failure loading ${leaf.base} certificate: the certificate file is missing`
    if (key === undefined) return `failure loading ${leaf.base} certificate: the key file is missing`
    const info = yield* Effect.either(parseCert(crt))
    if (Either.isLeft(info)) return `failure loading ${leaf.base} certificate: ${info.left}`
    const k = yield* Effect.either(parseKey(key))
    if (Either.isLeft(k)) return `failure loading ${leaf.base} certificate: ${k.left}`
    const bad = validityProblem(info.right)
    if (bad) return `failure loading ${leaf.base} certificate: ${bad}`
    const signed = yield* Effect.promise(() => verifyCertificate(crt, ca.certPem).catch(() => false))
    if (!signed) return `certificate ${leaf.base} is not signed by corresponding CA`
    const haveIps = info.right.ipAddresses.map(canonicalIp)
    const missingDns = leaf.dnsNames.filter((d) => !info.right.dnsNames.some((p) => dnsMatches(p, d)))
    const missingIps = leaf.ipAddresses.filter((ip) => !haveIps.includes(canonicalIp(ip)))
    if (missingDns.length > 0 || missingIps.length > 0)
      return `certificate ${leaf.base} is invalid: x509: certificate is valid for ${[...info.right.dnsNames, ...info.right.ipAddresses].join(", ")}, not ${[...missingDns, ...missingIps].join(", ")}`
    return undefined
  })

/** What the certs step did, for the phase's output and the tests. */
export interface CertsReport {
  readonly generated: ReadonlyArray<string>
  readonly reused: ReadonlyArray<string>
  /** Wall time of the (concurrent) key generation. */
  readonly keygenMillis: number
}

/** A leaf's fate, decided before anything is written: kept as it is, or issued anew by a CA whose key is here. */
type Planned =
  | { readonly leaf: LeafCertSpec; readonly reuse: true }
  | { readonly leaf: LeafCertSpec; readonly reuse: false; readonly caCertPem: string; readonly caKeys: KeyPair }
type Reused = Extract<Planned, { readonly reuse: true }>
type Keyed = Reused | (Extract<Planned, { readonly reuse: false }> & { readonly key: KeyPair })
type Issued =
  Reused | { readonly leaf: LeafCertSpec; readonly reuse: false; readonly certPem: string; readonly keyPem: string }

/** The whole `certs` sub-phase. */
export const ensureControlPlaneCerts = (
  cfg: ControlPlaneConfig
): Effect.Effect<CertsReport, PkiError | RootFsError, RootFs | Output | Crypto> =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    const dir = cfg.certificatesDir
    yield* out.info(`[certs] Using certificateDir folder "${dir}"`)
    // bad addresses in the configuration are PkiErrors; anything else thrown is a bug (a defect)
    const { leaves, skippedSans } = yield* attempt(() => leafSpecs(cfg))
    for (const s of skippedSans)
      yield* out.warn(
        `[certificates] WARNING: '${s.san}' was not added to the '${s.cert}.crt' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry`
      )

    const cas = new Map<CaName, LoadedCa>()
    for (const spec of casFor(cfg)) cas.set(spec.name, yield* loadOrCreateCa(cfg, spec))

    // decide every leaf before writing anything
    const plan: Array<Planned> = []
    for (const leaf of leaves) {
      const ca = cas.get(leaf.ca)
      if (ca === undefined)
        return yield* Effect.dieMessage(`no CA "${leaf.ca}" was loaded for certificate "${leaf.name}"`)
      const crt = yield* readIfExists(`${dir}/${leaf.base}.crt`)
      const key = yield* readIfExists(`${dir}/${leaf.base}.key`)
      if (crt === undefined && key !== undefined && ca.keys !== undefined) {
        // The key is written before its certificate: a run stopped between the two left a key
        // nothing can use (beyond kubeadm, which refuses it): issue both again.
        yield* out.info(
          `[certs] Found "${leaf.base}.key" without its certificate (an earlier run stopped between the two): generating both again`
        )
        plan.push({ leaf, reuse: false, caCertPem: ca.certPem, caKeys: ca.keys })
        continue
      }
      if (crt !== undefined || key !== undefined || ca.keys === undefined) {
        const problem = yield* existingLeafProblem(leaf, ca, crt, key)
        if (problem === undefined) {
          plan.push({ leaf, reuse: true })
          continue
        }
        if (ca.keys === undefined)
          return yield* new PkiError({
            reason: "Certificate",
            detail: `could not load expected certificate "${leaf.name}" or validate the existence of key "${ca.spec.name}" for it: ${problem}`
          })
        return yield* new PkiError({
          reason: "Certificate",
          detail: `failed to write or validate certificate "${leaf.name}": ${problem}`
        })
      }
      plan.push({ leaf, reuse: false, caCertPem: ca.certPem, caKeys: ca.keys })
    }

    const toGenerate = plan.filter((p) => !p.reuse)
    const started = Date.now()
    const keyed = yield* Effect.forEach(
      plan,
      (p): Effect.Effect<Keyed, PkiError, Crypto> =>
        p.reuse ? Effect.succeed(p) : Effect.map(newKeyPair(cfg.keyAlgorithm), (key) => ({ ...p, key })),
      { concurrency: "unbounded" }
    )
    const keygenMillis = Date.now() - started
    yield* out.detail(
      1,
      `[certs] generated ${toGenerate.length} ${cfg.keyAlgorithm} key pairs concurrently in ${keygenMillis} ms`
    )
    const issued = yield* Effect.forEach(
      keyed,
      (p): Effect.Effect<Issued, PkiError> =>
        p.reuse
          ? Effect.succeed(p)
          : Effect.gen(function* () {
              const certPem = yield* Effect.tryPromise({
                try: () =>
                  createCertificate(
                    p.key.publicKey,
                    {
                      commonName: p.leaf.commonName,
                      organizations: p.leaf.organizations,
                      dnsNames: p.leaf.dnsNames,
                      ipAddresses: p.leaf.ipAddresses,
                      extKeyUsages: p.leaf.extKeyUsages
                    },
                    { certPem: p.caCertPem, keys: p.caKeys }
                  ),
                catch: (e) =>
                  new PkiError({
                    reason: "Certificate",
                    detail: `failed to write or validate certificate "${p.leaf.name}": ${causeText(e)}`
                  })
              })
              return { leaf: p.leaf, reuse: false, certPem, keyPem: yield* keyPem(p.key) }
            }),
      { concurrency: "unbounded" }
    )
    for (const p of issued) {
      if (p.reuse) {
        yield* out.info(`[certs] Using the existing "${p.leaf.base}" certificate and key`)
        continue
      }
      yield* out.info(`[certs] Generating "${p.leaf.base}" certificate and key`)
      if (p.leaf.serving)
        yield* out.info(
          `[certs] ${p.leaf.base} serving cert is signed for DNS names [${p.leaf.dnsNames.join(" ")}] and IPs [${p.leaf.ipAddresses.join(" ")}]`
        )
      yield* fs.write(`${dir}/${p.leaf.base}.key`, p.keyPem, { mode: 0o600 })
      yield* fs.write(`${dir}/${p.leaf.base}.crt`, p.certPem, { mode: 0o644 })
    }
    yield* out.info(`[certs] Valid certificates and keys now exist in "${dir}"`)
    yield* ensureServiceAccountKeys(cfg)
    return {
      generated: toGenerate.map((p) => p.leaf.base),
      reused: plan.filter((p) => p.reuse).map((p) => p.leaf.base),
      keygenMillis
    }
  })

/** sa.key / sa.pub: reuse a loadable sa.key, else generate (both 0600, as 1.15's key writer). */
export const ensureServiceAccountKeys = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const out = yield* Output
    const keyPath = `${cfg.certificatesDir}/sa.key`
    const existing = yield* readIfExists(keyPath)
    if (existing !== undefined) {
      const ok = yield* Effect.either(parseKey(existing))
      if (Either.isLeft(ok))
        return yield* new PkiError({
          reason: "ServiceAccount",
          detail: "file sa.key existed but it could not be loaded properly"
        })
      yield* out.info(`[certs] Using the existing "sa" key`)
      return
    }
    const k = yield* newKeyPair(cfg.keyAlgorithm)
    const pub = yield* Effect.tryPromise({
      try: () => publicKeyToPem(k.publicKey),
      catch: (e) => new PkiError({ reason: "Key", detail: causeText(e), cause: e })
    })
    yield* out.info(`[certs] Generating "sa" key and public key`)
    yield* fs.write(keyPath, yield* keyPem(k), { mode: 0o600 })
    yield* fs.write(`${cfg.certificatesDir}/sa.pub`, pub, { mode: 0o600 })
  })
