/**
 * The certificates kubeadm generates for a joining control-plane node (spec
 * join-control-plane §3.2/§3.3): file names, issuing CA, subject, usages, SANs.
 */
import { isIP } from "../internal/net/ip.js"
import { type ControlPlaneConfig, splitHostPort } from "../manifests/control-plane-config.js"
import { behaviourForVersion } from "../kubeadm-behaviour.js"
import { PkiError } from "./errors.js"
import { canonicalIp, firstHostIp, isDnsSan } from "./ip.js"

/** The three CAs of a kubeadm cluster. */
export type CaName = "ca" | "front-proxy-ca" | "etcd-ca"

/** Where a CA lives and how messages name it. */
export interface CaSpec {
  readonly name: CaName
  /** File base relative to certificatesDir, e.g. `etcd/ca`. */
  readonly base: string
  readonly commonName: string
  /** Human name in messages (kubeadm's "CA", "front-proxy CA", "etcd CA"). */
  readonly label: string
}

/** kubeadm's CAs: the cluster CA, the front-proxy CA and the etcd CA. */
export const CAS: Record<CaName, CaSpec> = {
  ca: { name: "ca", base: "ca", commonName: "kubernetes", label: "CA" },
  "front-proxy-ca": {
    name: "front-proxy-ca",
    base: "front-proxy-ca",
    commonName: "front-proxy-ca",
    label: "front-proxy CA"
  },
  "etcd-ca": { name: "etcd-ca", base: "etcd/ca", commonName: "etcd-ca", label: "etcd CA" }
}

/** A leaf certificate a control plane needs: its files, issuing CA, subject, SANs and usages. */
export interface LeafCertSpec {
  /** kubeadm's certificate name (`apiserver`, `etcd-server`, ...). */
  readonly name: string
  /** File base relative to certificatesDir (`apiserver`, `etcd/server`, ...). */
  readonly base: string
  readonly ca: CaName
  readonly commonName: string
  readonly organizations: ReadonlyArray<string>
  readonly extKeyUsages: ReadonlyArray<"server" | "client">
  readonly dnsNames: ReadonlyArray<string>
  readonly ipAddresses: ReadonlyArray<string>
  /** Serving certs print their SANs. */
  readonly serving: boolean
}

/** The SANs of a serving certificate, and the configured names that could not be used. */
export interface SanResult {
  readonly dnsNames: string[]
  readonly ipAddresses: string[]
  /** certSANs that were neither an IP nor a valid DNS name. */
  readonly skipped: string[]
}

const pushUnique = (list: string[], v: string) => {
  if (!list.includes(v)) list.push(v)
}

/** apiserver SANs, in the order kubeadm places them (spec §3.3). */
export const apiServerSans = (cfg: ControlPlaneConfig): SanResult => {
  if (isIP(cfg.advertiseAddress) === 0)
    throw new PkiError({
      reason: "InvalidAddress",
      detail: `error parsing LocalAPIEndpoint AdvertiseAddress ${cfg.advertiseAddress}: is not a valid textual representation of an IP address`
    })
  const dns: string[] = []
  const ips: string[] = []
  const skipped: string[] = []
  for (const d of [
    cfg.nodeName,
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${cfg.networking.dnsDomain}`
  ])
    pushUnique(dns, d)
  pushUnique(ips, firstHostIp(cfg.networking.serviceSubnet.split(",")[0] ?? ""))
  pushUnique(ips, canonicalIp(cfg.advertiseAddress))
  if (cfg.controlPlaneEndpoint !== "") {
    const { host } = splitHostPort(cfg.controlPlaneEndpoint)
    if (isIP(host) !== 0) pushUnique(ips, canonicalIp(host))
    else if (isDnsSan(host.toLowerCase())) pushUnique(dns, host.toLowerCase())
    else
      throw new PkiError({
        reason: "InvalidAddress",
        detail: `error parsing cluster controlPlaneEndpoint "${cfg.controlPlaneEndpoint}"`
      })
  }
  for (const raw of cfg.apiServer.certSANs) {
    const san = raw.toLowerCase()
    if (isIP(san) !== 0) pushUnique(ips, canonicalIp(san))
    else if (isDnsSan(san)) pushUnique(dns, san)
    else skipped.push(raw)
  }
  return { dnsNames: dns, ipAddresses: ips, skipped }
}

/** etcd server/peer SANs: node name, localhost, advertise address, loopbacks, then the configured extras. */
export const etcdSans = (cfg: ControlPlaneConfig, extra: ReadonlyArray<string>): SanResult => {
  const dns = [cfg.nodeName, "localhost"]
  const ips = [canonicalIp(cfg.advertiseAddress), "127.0.0.1", "::1"]
  const skipped: string[] = []
  for (const raw of extra) {
    const san = raw.toLowerCase()
    if (isIP(san) !== 0) pushUnique(ips, canonicalIp(san))
    else if (isDnsSan(san)) pushUnique(dns, san)
    else skipped.push(raw)
  }
  return { dnsNames: [...new Set(dns)], ipAddresses: [...new Set(ips)], skipped }
}

/** The organization of the clients kubeadm up to 1.28 put in system:masters. */
const masters = (cfg: ControlPlaneConfig): Array<string> =>
  behaviourForVersion(cfg.kubernetesVersion).mastersOnClientCerts ? ["system:masters"] : []

/** The CAs in use (no etcd CA with external etcd). */
export const casFor = (cfg: ControlPlaneConfig): CaSpec[] =>
  cfg.etcd.local ? [CAS.ca, CAS["front-proxy-ca"], CAS["etcd-ca"]] : [CAS.ca, CAS["front-proxy-ca"]]

/** Every leaf a joining control plane needs, grouped in CA order. */
export const leafSpecs = (
  cfg: ControlPlaneConfig
): { leaves: LeafCertSpec[]; skippedSans: Array<{ cert: string; san: string }> } => {
  const api = apiServerSans(cfg)
  const skippedSans = api.skipped.map((san) => ({ cert: "apiserver", san }))
  const leaves: LeafCertSpec[] = [
    {
      name: "apiserver",
      base: "apiserver",
      ca: "ca",
      commonName: "kube-apiserver",
      organizations: [],
      extKeyUsages: ["server"],
      dnsNames: api.dnsNames,
      ipAddresses: api.ipAddresses,
      serving: true
    },
    {
      name: "apiserver-kubelet-client",
      base: "apiserver-kubelet-client",
      ca: "ca",
      commonName: "kube-apiserver-kubelet-client",
      organizations: masters(cfg),
      extKeyUsages: ["client"],
      dnsNames: [],
      ipAddresses: [],
      serving: false
    },
    {
      name: "front-proxy-client",
      base: "front-proxy-client",
      ca: "front-proxy-ca",
      commonName: "front-proxy-client",
      organizations: [],
      extKeyUsages: ["client"],
      dnsNames: [],
      ipAddresses: [],
      serving: false
    }
  ]
  const local = cfg.etcd.local
  if (local) {
    const server = etcdSans(cfg, local.serverCertSANs)
    const peer = etcdSans(cfg, local.peerCertSANs)
    skippedSans.push(
      ...server.skipped.map((san) => ({ cert: "etcd/server", san })),
      ...peer.skipped.map((san) => ({ cert: "etcd/peer", san }))
    )
    leaves.push(
      {
        name: "etcd-server",
        base: "etcd/server",
        ca: "etcd-ca",
        commonName: cfg.nodeName,
        organizations: [],
        extKeyUsages: ["server", "client"],
        dnsNames: server.dnsNames,
        ipAddresses: server.ipAddresses,
        serving: true
      },
      {
        name: "etcd-peer",
        base: "etcd/peer",
        ca: "etcd-ca",
        commonName: cfg.nodeName,
        organizations: [],
        extKeyUsages: ["server", "client"],
        dnsNames: peer.dnsNames,
        ipAddresses: peer.ipAddresses,
        serving: true
      },
      {
        name: "etcd-healthcheck-client",
        base: "etcd/healthcheck-client",
        ca: "etcd-ca",
        commonName: "kube-etcd-healthcheck-client",
        organizations: masters(cfg),
        extKeyUsages: ["client"],
        dnsNames: [],
        ipAddresses: [],
        serving: false
      },
      {
        name: "apiserver-etcd-client",
        base: "apiserver-etcd-client",
        ca: "etcd-ca",
        commonName: "kube-apiserver-etcd-client",
        organizations: masters(cfg),
        extKeyUsages: ["client"],
        dnsNames: [],
        ipAddresses: [],
        serving: false
      }
    )
  }
  return { leaves, skippedSans }
}
