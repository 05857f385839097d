/**
 * The cluster objects of two joins, compared: each Node's labels, taints and annotations, the
 * CSR each node's kubelet (or kubeadm-ts) sent, the ConfigMaps and Secrets each join changed,
 * and, for control-plane joins, each node's etcd member.
 */
import "reflect-metadata"
import { spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as x509 from "@peculiar/x509"
import type { RealClusterService } from "../real/real-cluster.js"
import { waitFor } from "../wait.js"
import { canonical } from "./files.js"
import type { Difference } from "./items.js"
import { normalise, type Side } from "./normalise.js"

type Compared = Difference & { readonly identical: boolean }

const getJson = async <A>(cluster: RealClusterService, args: ReadonlyArray<string>): Promise<A | undefined> => {
  const r = await cluster.kubectl([...args, "-o", "json"])
  return r.code === 0 ? (JSON.parse(r.stdout) as A) : undefined
}

interface NodeObject {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }
  spec: { taints?: Array<{ key: string; value?: string; effect: string }> }
}

/** The ConfigMaps and Secrets of the namespaces kubeadm touches, by resourceVersion. */
export const objectVersions = async (cluster: RealClusterService): Promise<ReadonlyMap<string, string>> => {
  const list = await getJson<{
    items: Array<{ kind: string; metadata: { namespace: string; name: string; resourceVersion: string } }>
  }>(cluster, ["get", "configmaps,secrets", "-A"])
  return new Map(
    (list?.items ?? []).map((o) => [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, o.metadata.resourceVersion])
  )
}

/** What changed between two `objectVersions` (added or modified), sorted. */
export const touched = (before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Array<string> =>
  [...after]
    .filter(([k, v]) => before.get(k) !== v)
    .map(([k]) => k)
    .sort()

const nodeOf = (cluster: RealClusterService, name: string) =>
  waitFor(() => getJson<NodeObject>(cluster, ["get", "node", name]), {
    timeoutMs: 90_000,
    intervalMs: 500,
    what: `Node ${name} to be registered`
  })

/** A CSR's spec, as the signer sees it: usages, signer, requester, and the request's subject and key. */
const csrShape = (spec: {
  request: string
  signerName?: string
  usages?: Array<string>
  username?: string
  groups?: Array<string>
  expirationSeconds?: number
}) => {
  const req = new x509.Pkcs10CertificateRequest(Buffer.from(spec.request, "base64").toString("utf8"))
  const alg = req.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number }
  return {
    subject: req.subject,
    key: `${alg.name} ${alg.namedCurve ?? alg.modulusLength ?? ""}`.trim(),
    signerName: spec.signerName,
    usages: [...(spec.usages ?? [])].sort(),
    username: spec.username?.replace(/^system:bootstrap:[a-z0-9]{6}$/, "system:bootstrap:<token-id>"),
    groups: [...(spec.groups ?? [])].sort(),
    expirationSeconds: spec.expirationSeconds
  }
}

const csrFor = async (cluster: RealClusterService, nodeName: string) => {
  const list = await getJson<{ items: Array<{ spec: Parameters<typeof csrShape>[0] }> }>(cluster, ["get", "csr"])
  return (list?.items ?? []).map((c) => csrShape(c.spec)).find((s) => s.subject.includes(`CN=system:node:${nodeName}`))
}

const item = (name: string, a: unknown, b: unknown): Compared => {
  const ca = canonical(a)
  const cb = canonical(b)
  return { name, identical: ca === cb, difference: ca === cb ? "" : `kubeadm ${ca} | kubeadm-ts ${cb}` }
}

/** Keys and values both sides set the same are identical; each key that differs is its own item. */
const byKey = (what: string, a: Record<string, string>, b: Record<string, string>): Array<Compared> =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .map((k) => item(`${what} ${k}`, a[k] ?? "(unset)", b[k] ?? "(unset)"))

const normaliseValues = (o: Record<string, string> | undefined, side: Side) =>
  Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, normalise(v, side)]))

/** The Node and CSR items of two joined nodes. */
export const compareNodes = async (
  cluster: RealClusterService,
  sides: { readonly kubeadm: Side; readonly kubeadmTs: Side }
): Promise<Array<Compared>> => {
  const [a, b] = await Promise.all([nodeOf(cluster, sides.kubeadm.nodeName), nodeOf(cluster, sides.kubeadmTs.nodeName)])
  const taints = (n: NodeObject) => (n.spec.taints ?? []).map((t) => `${t.key}=${t.value ?? ""}:${t.effect}`).sort()
  const [csrA, csrB] = await Promise.all([
    csrFor(cluster, sides.kubeadm.nodeName),
    csrFor(cluster, sides.kubeadmTs.nodeName)
  ])
  const csr = (s: ReturnType<typeof csrShape> | undefined, side: Side) =>
    s === undefined ? "(none)" : { ...s, subject: normalise(s.subject, side) }
  return [
    ...byKey(
      "Node label",
      normaliseValues(a.metadata.labels, sides.kubeadm),
      normaliseValues(b.metadata.labels, sides.kubeadmTs)
    ),
    item("Node taints", taints(a), taints(b)),
    ...byKey(
      "Node annotation",
      normaliseValues(a.metadata.annotations, sides.kubeadm),
      normaliseValues(b.metadata.annotations, sides.kubeadmTs)
    ),
    item("CSR spec", csr(csrA, sides.kubeadm), csr(csrB, sides.kubeadmTs))
  ]
}

/** The ConfigMaps and Secrets each join changed. */
export const compareTouched = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): Compared =>
  item("ConfigMaps and Secrets changed", a, b)

/** The real etcdctl against the init node's etcd, as its healthcheck client. */
const etcdctl = async (cluster: RealClusterService, args: ReadonlyArray<string>): Promise<string> => {
  const pki = join(cluster.controlPlane.root, "etc/kubernetes/pki/etcd")
  const dir = await mkdtemp(join(tmpdir(), "kts-compare-etcdctl-"))
  try {
    await writeFile(join(dir, "ca.crt"), readFileSync(join(pki, "ca.crt")))
    await writeFile(join(dir, "c.crt"), readFileSync(join(pki, "healthcheck-client.crt")))
    await writeFile(join(dir, "c.key"), readFileSync(join(pki, "healthcheck-client.key")), { mode: 0o600 })
    return await new Promise((resolve, reject) => {
      const child = spawn(
        "etcdctl",
        [
          `--endpoints=https://${cluster.controlPlane.network.address}:2379`,
          `--cacert=${join(dir, "ca.crt")}`,
          `--cert=${join(dir, "c.crt")}`,
          `--key=${join(dir, "c.key")}`,
          "--command-timeout=10s",
          ...args
        ],
        { env: { ETCDCTL_API: "3", PATH: "/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"] }
      )
      let out = ""
      let err = ""
      child.stdout.on("data", (c: Buffer) => (out += c.toString()))
      child.stderr.on("data", (c: Buffer) => (err += c.toString()))
      child.on("error", reject)
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`etcdctl ${args.join(" ")}: ${err}`))))
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The cluster's etcd members: name, peer and client URLs, learner flag, hex id (the table form: JSON's ids lose digits). */
export const etcdMembers = async (cluster: RealClusterService) =>
  (await etcdctl(cluster, ["member", "list"]))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [id = "", , name = "", peers = "", clients = "", learner = ""] = l.split(", ")
      const urls = (list: string) => list.split(",").filter((u) => u !== "")
      return { id, name, peerURLs: urls(peers), clientURLs: urls(clients), isLearner: learner.trim() === "true" }
    })

/** Removes the members that peer on these addresses (started or not: a learner not started yet has no name). */
export const removeMembers = async (cluster: RealClusterService, addresses: ReadonlyArray<string>) => {
  for (const m of await etcdMembers(cluster))
    if (m.peerURLs.some((u) => addresses.some((a) => u.includes(`//${a}:`))))
      await etcdctl(cluster, ["member", "remove", m.id])
}

/** Each node's etcd member: present, its URLs, learner or voting. */
export const compareEtcd = async (
  cluster: RealClusterService,
  sides: { readonly kubeadm: Side; readonly kubeadmTs: Side }
): Promise<Compared> => {
  const members = await etcdMembers(cluster)
  const of = (side: Side) => {
    const m = members.find((x) => x.peerURLs.some((u) => u.includes(`//${side.address}:`)))
    return m === undefined
      ? "(no member)"
      : {
          name: normalise(m.name, side),
          peerURLs: m.peerURLs.map((u) => normalise(u, side)),
          clientURLs: m.clientURLs.map((u) => normalise(u, side)),
          isLearner: m.isLearner
        }
  }
  return item("etcd member", of(sides.kubeadm), of(sides.kubeadmTs))
}
