/**
 * Reading a kubeconfig from the rootfs with every referenced file (CA, client
 * certificate, client key) inlined, so a client can be built from it without
 * touching the host file system again. Relative references are resolved against
 * the kubeconfig's folder, as client tools do.
 */
import { Data, Effect, Either } from "effect"
import * as posix from "node:path/posix"
import { RootFs, type RootFsError } from "../rootfs/rootfs.js"
import { type Kubeconfig, KubeconfigError, parseKubeconfig } from "./kubeconfig.js"

/** A kubeconfig file that could not be read or parsed; the message names the path. */
export class KubeconfigLoadError extends Data.TaggedError("KubeconfigLoadError")<{
  readonly path: string
  readonly cause: RootFsError | KubeconfigError
}> {
  override get message() {
    return `invalid kubeconfig "${this.path}": ${this.cause.message}`
  }
}

/** Reads and parses a kubeconfig file inside the rootfs. */
export const loadKubeconfig = (path: string): Effect.Effect<Kubeconfig, KubeconfigLoadError, RootFs> =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const wrap = (cause: RootFsError | KubeconfigError) => new KubeconfigLoadError({ path, cause })
    const text = yield* Effect.mapError(fs.readText(path), wrap)
    const parsed = parseKubeconfig(text)
    if (Either.isLeft(parsed)) return yield* Effect.fail(wrap(parsed.left))
    const k = parsed.right
    const dir = posix.dirname(path.startsWith("/") ? path : "/" + path)
    // A host path that lies inside the rootfs (tools outside the chroot write those) is that file.
    const inRoot = (ref: string) => (fs.root !== "/" && ref.startsWith(fs.root + "/") ? ref.slice(fs.root.length) : ref)
    const readRef = (ref: string) => Effect.mapError(fs.readText(posix.resolve(dir, inRoot(ref))), wrap)
    const clusters = yield* Effect.forEach(k.clusters, (c) =>
      c.value.certificateAuthority !== undefined && c.value.certificateAuthorityData === undefined
        ? Effect.map(readRef(c.value.certificateAuthority), (pem) => ({
            name: c.name,
            value: { ...c.value, certificateAuthorityData: pem }
          }))
        : Effect.succeed(c)
    )
    const users = yield* Effect.forEach(k.users, (u) =>
      Effect.gen(function* () {
        let value = u.value
        if (value.clientCertificate !== undefined && value.clientCertificateData === undefined) {
          value = { ...value, clientCertificateData: yield* readRef(value.clientCertificate) }
        }
        if (value.clientKey !== undefined && value.clientKeyData === undefined) {
          value = { ...value, clientKeyData: yield* readRef(value.clientKey) }
        }
        return { name: u.name, value }
      })
    )
    return { ...k, clusters, users }
  })

/** A kubeconfig with inlined data that has no usable client credential is refused early. */
export const requireCredentials = (path: string, k: Kubeconfig): Effect.Effect<Kubeconfig, KubeconfigLoadError> => {
  const ok = k.users.some(
    (u) =>
      u.value.token !== undefined ||
      (u.value.clientCertificateData !== undefined && u.value.clientKeyData !== undefined)
  )
  return ok
    ? Effect.succeed(k)
    : Effect.fail(
        new KubeconfigLoadError({ path, cause: new KubeconfigError({ detail: "it holds no client credentials" }) })
      )
}
