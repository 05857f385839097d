/** The cluster's key material as `kubeadm init` creates it: CAs, service-account keys, serving and admin certificates. */
import {
  aesGcmSeal,
  createCaCertificate,
  createCertificate,
  generateKeyPair,
  type KeyAlgorithm,
  type KeyPair,
  privateKeyToPem,
  publicKeyToPem
} from "@kubeadm-ts/join/crypto"

/** A PEM certificate with its key, in PEM and as a key pair for signing more certificates. */
export interface CertAndKey {
  readonly certPem: string
  /** As kubeadm writes keys: `RSA PRIVATE KEY` / `EC PRIVATE KEY`. */
  readonly keyPem: string
  readonly keys: KeyPair
}

/** The shared secrets kubeadm init creates and a control-plane join downloads: the three CAs and the service-account key. */
export interface ClusterPki {
  readonly ca: CertAndKey
  readonly frontProxyCa: CertAndKey
  readonly etcdCa: CertAndKey
  readonly sa: { readonly keyPem: string; readonly pubPem: string }
}

const ca = async (algorithm: KeyAlgorithm, commonName: string): Promise<CertAndKey> => {
  const keys = await generateKeyPair(algorithm)
  return {
    certPem: await createCaCertificate(keys, { commonName }),
    keyPem: await privateKeyToPem(keys.privateKey, "traditional"),
    keys
  }
}

/** Generates a fresh cluster PKI with one key algorithm, the CAs named as kubeadm names them. */
export const createClusterPki = async (algorithm: KeyAlgorithm): Promise<ClusterPki> => {
  const [c, fp, etcd, saKeys] = await Promise.all([
    ca(algorithm, "kubernetes"),
    ca(algorithm, "front-proxy-ca"),
    ca(algorithm, "etcd-ca"),
    generateKeyPair(algorithm)
  ])
  return {
    ca: c,
    frontProxyCa: fp,
    etcdCa: etcd,
    sa: {
      keyPem: await privateKeyToPem(saKeys.privateKey, "traditional"),
      pubPem: await publicKeyToPem(saKeys.publicKey)
    }
  }
}

/** A certificate signed by `issuer` for a fresh key of `algorithm`. */
export const issue = async (
  algorithm: KeyAlgorithm,
  issuer: CertAndKey,
  spec: {
    commonName: string
    organizations?: string[]
    dnsNames?: string[]
    ipAddresses?: string[]
    usage: "server" | "client" | "both"
  }
): Promise<CertAndKey> => {
  const keys = await generateKeyPair(algorithm)
  const certPem = await createCertificate(
    keys.publicKey,
    {
      commonName: spec.commonName,
      organizations: spec.organizations,
      dnsNames: spec.dnsNames,
      ipAddresses: spec.ipAddresses,
      extKeyUsages: spec.usage === "both" ? ["server", "client"] : [spec.usage]
    },
    { certPem: issuer.certPem, keys: issuer.keys }
  )
  return { certPem, keyPem: await privateKeyToPem(keys.privateKey, "traditional"), keys }
}

/** The kubeadm-certs `data` (join-control-plane.md 2.1): each file AES-256-GCM sealed, base64 on the wire. */
export const kubeadmCertsData = (
  pki: ClusterPki,
  certificateKey: string,
  etcd: "local" | { readonly caPem: string; readonly certPem: string; readonly keyPem: string }
): Record<string, string> => {
  const files: Record<string, string> = {
    "ca.crt": pki.ca.certPem,
    "ca.key": pki.ca.keyPem,
    "sa.key": pki.sa.keyPem,
    "sa.pub": pki.sa.pubPem,
    "front-proxy-ca.crt": pki.frontProxyCa.certPem,
    "front-proxy-ca.key": pki.frontProxyCa.keyPem,
    ...(etcd === "local"
      ? { "etcd-ca.crt": pki.etcdCa.certPem, "etcd-ca.key": pki.etcdCa.keyPem }
      : { "external-etcd-ca.crt": etcd.caPem, "external-etcd.crt": etcd.certPem, "external-etcd.key": etcd.keyPem })
  }
  return Object.fromEntries(
    Object.entries(files).map(([k, v]) => [k, Buffer.from(aesGcmSeal(certificateKey, v)).toString("base64")])
  )
}
