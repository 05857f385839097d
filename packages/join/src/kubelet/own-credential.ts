/**
 * "Is this machine already Node <name>?" — true only when kubelet.conf (and the
 * kubelet-client-current.pem it usually points at) holds a client certificate for
 * `system:node:<name>` / `system:nodes` that verifies against the cluster CA
 * learned in discovery, is within its validity period, and whose private key is
 * here and matches it. That is exactly what a kubelet needs to act as that Node,
 * so a join that finds it may resume instead of refusing the Ready Node as a
 * name clash. Anything less (no file, other name, other CA, expired, no or wrong
 * key) is "not ours", with the reason.
 */
import { Effect, Either } from "effect"
import { Crypto } from "../crypto/crypto.js"
import { selectUser } from "../kubeconfig/kubeconfig.js"
import { loadKubeconfig } from "../kubeconfig/load.js"
import { RootFs } from "../rootfs/rootfs.js"
import { KUBELET_CONF } from "./files.js"

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/

/** Right: the credential is ours (for the log: its expiry). Left: why it is not. */
export const ownNodeCredential = (
  nodeName: string,
  caPem: string
): Effect.Effect<Either.Either<{ readonly notAfter: Date }, string>, never, RootFs | Crypto> =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const crypto = yield* Crypto
    const not = (why: string) => Either.left<string>(why)
    if (!(yield* Effect.orElseSucceed(fs.exists(KUBELET_CONF), () => false)))
      return not(`${KUBELET_CONF} does not exist`)
    const loaded = yield* Effect.either(loadKubeconfig(KUBELET_CONF))
    if (Either.isLeft(loaded)) return not(loaded.left.message)
    const user = selectUser(loaded.right)?.value
    const certText = user?.clientCertificateData
    const keyText = user?.clientKeyData
    if (certText === undefined || keyText === undefined)
      return not(`${KUBELET_CONF} holds no client certificate and key`)
    const certPem = certText.match(CERT_BLOCK)?.[0]
    const keyPem = KEY_BLOCK.exec(keyText)?.[0]
    if (certPem === undefined) return not(`${KUBELET_CONF}: no certificate in its client certificate data`)
    if (keyPem === undefined)
      return not(`${KUBELET_CONF}: the private key of its client certificate is not on this machine`)
    const info = yield* Effect.either(crypto.parseCertificate(certPem))
    if (Either.isLeft(info)) return not(`${KUBELET_CONF}: cannot parse its client certificate: ${info.left.message}`)
    const subject = `system:node:${nodeName}`
    if (info.right.commonName !== subject || !info.right.organizations.includes("system:nodes")) {
      return not(
        `its client certificate is for "${info.right.commonName}" (${info.right.organizations.join(",")}), not "${subject}" (system:nodes)`
      )
    }
    // Any certificate of the cluster's CA bundle may have issued it.
    const cas = caPem.match(CERT_BLOCK) ?? []
    const verified = yield* Effect.forEach(cas, (ca) =>
      Effect.orElseSucceed(crypto.verifyCertificate(certPem, ca), () => false)
    )
    if (!verified.some((v) => v)) return not("its client certificate is expired or not issued by this cluster's CA")
    const keys = yield* Effect.either(crypto.privateKeyFromPem(keyPem))
    if (Either.isLeft(keys))
      return not(`the private key of its client certificate cannot be read: ${keys.left.message}`)
    const matches = yield* Effect.orElseSucceed(crypto.certificateMatchesKey(certPem, keys.right), () => false)
    if (!matches) return not("the private key on this machine does not belong to its client certificate")
    return Either.right({ notAfter: info.right.notAfter })
  })
