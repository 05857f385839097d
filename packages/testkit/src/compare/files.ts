/**
 * The files a join leaves, compared: the same paths with the same type, mode, owner and link
 * target; then each file by what it is: kubeconfigs structurally, certificates by their fields,
 * keys by type and size, YAML and env files after normalising node-specific values, static Pod
 * manifests semantically. Files the kubelet keeps for itself are compared by type and mode only.
 */
import "reflect-metadata"
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto"
import * as x509 from "@peculiar/x509"
import { lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import type { Difference } from "./items.js"
import { normalise, normalisePath, type Side } from "./normalise.js"

/** The folders a join writes into (relative to the root). */
export const JOIN_FOLDERS = ["etc/kubernetes", "var/lib/kubelet", "var/lib/etcd"] as const

/** Deeper than this under these folders, entries belong to the kubelet or etcd at run time. */
const RUNTIME_TREES: ReadonlyArray<readonly [prefix: string, depth: number]> = [
  ["var/lib/kubelet/pods/", 0],
  ["var/lib/kubelet/plugins/", 0],
  ["var/lib/kubelet/plugins_registry/", 0],
  ["var/lib/kubelet/pod-resources/", 1],
  ["var/lib/kubelet/image_manager/", 1],
  ["var/lib/kubelet/checkpoints/", 0],
  ["var/lib/etcd/member/", 1]
]

/** Files the kubelet writes for its own state (checksummed JSON): type and mode only. */
const KUBELET_STATE =
  /^var\/lib\/kubelet\/(cpu_manager_state|memory_manager_state|dra_manager_state|actuated_pods_state|allocated_pods_state)$/

/** One entry of a root: what `ls -l` says of it and, for a small regular file, its text. */
export interface Entry {
  readonly path: string
  readonly type: "file" | "dir" | "symlink" | "socket" | "other"
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly link?: string
  readonly text?: string
}

const MAX_TEXT = 1 << 20

/** The kubelet's atomic writes leave `.<digits>` temp files for an instant: never the join's. */
const KUBELET_TEMP = /^var\/lib\/kubelet\/\.\d+$/

const within = (path: string): boolean =>
  !KUBELET_TEMP.test(path) &&
  !RUNTIME_TREES.some(([prefix, depth]) => {
    if (!path.startsWith(prefix)) return false
    return path.slice(prefix.length).split("/").length > depth
  })

/** The entries under the join's folders of a root, keyed by normalised path. */
export const snapshot = (root: string): ReadonlyMap<string, Entry> => {
  const entries = new Map<string, Entry>()
  const walk = (rel: string) => {
    const full = join(root, rel)
    let st
    try {
      st = lstatSync(full)
    } catch {
      return
    }
    const type = st.isFile()
      ? "file"
      : st.isDirectory()
        ? "dir"
        : st.isSymbolicLink()
          ? "symlink"
          : st.isSocket()
            ? "socket"
            : "other"
    const entry: Entry = {
      path: rel,
      type,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      ...(type === "symlink" ? { link: normalisePath(readlinkSync(full)) } : {}),
      ...(type === "file" && st.size <= MAX_TEXT ? { text: readFileSync(full, "utf8") } : {})
    }
    entries.set(normalisePath(rel), entry)
    if (type === "dir")
      for (const name of readdirSync(full).sort()) if (within(`${rel}/${name}`)) walk(`${rel}/${name}`)
  }
  for (const folder of JOIN_FOLDERS) walk(folder)
  return entries
}

const octal = (mode: number) => mode.toString(8).padStart(4, "0")

/** A parsed kubeconfig's shape: what a kubeconfig means, not its bytes. */
const kubeconfigShape = (text: string) => {
  const doc = parse(text) as {
    clusters?: Array<{ name?: string; cluster?: Record<string, unknown> }>
    users?: Array<{ name?: string; user?: Record<string, unknown> }>
    contexts?: Array<{ name?: string; context?: Record<string, unknown> }>
    "current-context"?: string
  }
  const userKind = (u: Record<string, unknown> | undefined) =>
    Object.keys(u ?? {})
      .map((k) => (k.endsWith("-data") ? `${k} (inline)` : k === "token" ? "token" : k))
      .sort()
      .join("+")
  return {
    clusters: (doc.clusters ?? []).map((c) => ({
      name: c.name,
      server: c.cluster?.["server"],
      ca: JSON.stringify(c.cluster?.["certificate-authority-data"] ?? c.cluster?.["certificate-authority"] ?? "")
    })),
    users: (doc.users ?? []).map((u) => ({ name: u.name, kind: userKind(u.user) })),
    contexts: (doc.contexts ?? []).map((c) => ({ name: c.name, ...c.context })),
    current: doc["current-context"]
  }
}

const optional = <A>(a: A): A | undefined => a

/** The fields of a certificate a join decides; keys, serials and dates left out (the validity kept as a length). */
export const certificateShape = (pem: string) => {
  const certs: Array<Record<string, unknown>> = []
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
    const c = new X509Certificate(block)
    const usages = new x509.X509Certificate(block).getExtension(x509.KeyUsagesExtension)?.usages ?? 0
    const keyUsage = Object.entries(x509.KeyUsageFlags)
      .filter(([, bit]) => typeof bit === "number" && (usages & bit) !== 0)
      .map(([name]) => name)
      .sort()
      .join(", ")
    const key = c.publicKey
    // (absent extensions are undefined at run time, whatever @types/node says)
    const san = optional(c.subjectAltName)
    const eku = optional(c.keyUsage)
    const days = Math.round((Date.parse(c.validTo) - Date.parse(c.validFrom)) / 86_400_000)
    certs.push({
      subject: c.subject.split("\n").sort().join(", "),
      issuer: c.issuer.split("\n").sort().join(", "),
      subjectAltName: san?.split(", ").sort().join(", ") ?? "",
      keyUsage,
      extKeyUsage: [...(eku ?? [])].sort().join(", "),
      ca: c.ca,
      keyType: key.asymmetricKeyType,
      keySize: key.asymmetricKeyDetails?.modulusLength ?? key.asymmetricKeyDetails?.namedCurve,
      validityDays: days
    })
  }
  return certs
}

const keyShape = (text: string) => {
  const keys: Array<Record<string, unknown>> = []
  if (text.includes("PRIVATE KEY")) {
    const k = createPrivateKey(text)
    keys.push({
      private: k.asymmetricKeyType,
      size: k.asymmetricKeyDetails?.modulusLength ?? k.asymmetricKeyDetails?.namedCurve
    })
  }
  if (text.includes("PUBLIC KEY")) {
    const k = createPublicKey(text)
    keys.push({
      public: k.asymmetricKeyType,
      size: k.asymmetricKeyDetails?.modulusLength ?? k.asymmetricKeyDetails?.namedCurve
    })
  }
  return keys
}

/** An env file's variables, each value's flags as a sorted set. */
const envShape = (text: string) =>
  Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => {
        const i = l.indexOf("=")
        const value = l
          .slice(i + 1)
          .trim()
          .replace(/^"(.*)"$/, "$1")
        return [l.slice(0, i), value.split(/\s+/).filter(Boolean).sort()]
      })
  )

/** A static Pod, semantically: its command as flag set, volumes, mounts, probes, resources, labels, annotations. */
const podShape = (text: string) => {
  const pod = parse(text) as {
    metadata?: Record<string, unknown>
    spec?: { containers?: Array<Record<string, unknown>> } & Record<string, unknown>
  }
  const { containers, volumes, ...spec } = pod.spec ?? {}
  const byKey = (key: string) => (list: unknown) =>
    [...((list as Array<Record<string, unknown>> | undefined) ?? [])].sort((x, y) =>
      String(x[key]).localeCompare(String(y[key]))
    )
  return {
    metadata: pod.metadata,
    // volumes and mounts are sets (by name, by path): their order means nothing to the kubelet
    spec: { ...spec, volumes: byKey("name")(volumes) },
    containers: (containers ?? []).map((c) => {
      const command = (c["command"] as Array<string> | undefined) ?? []
      const { command: _command, ...rest } = c
      // (etcd's --initial-cluster is a set of members: its order means nothing)
      const flags = command
        .slice(1)
        .map((f) =>
          f.startsWith("--initial-cluster=") ? `--initial-cluster=${f.slice(18).split(",").sort().join(",")}` : f
        )
      return {
        ...rest,
        volumeMounts: byKey("mountPath")(rest["volumeMounts"]),
        program: command[0],
        flags: flags.sort()
      }
    })
  }
}

/** Sorts object keys, so two parsed documents print the same when they mean the same. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v
  )

/** The first place two canonical JSON texts differ, shown around it. */
const firstDifference = (a: string, b: string): string => {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const from = Math.max(0, a.lastIndexOf(",", i - 1) + 1, i - 60)
  return `kubeadm …${a.slice(from, i + 60)}… vs kubeadm-ts …${b.slice(from, i + 60)}…`
}

type Kind = "kubeconfig" | "certificate" | "key" | "yaml" | "env" | "manifest" | "kubelet-state" | "text"

/** How a file is compared, by its path. */
export const kindOf = (path: string, text: string): Kind => {
  if (KUBELET_STATE.test(path)) return "kubelet-state"
  if (path.startsWith("etc/kubernetes/manifests/")) return "manifest"
  if (path.endsWith(".conf") && path.startsWith("etc/kubernetes/")) return "kubeconfig"
  if (text.includes("-----BEGIN CERTIFICATE-----")) return "certificate"
  if (/-----BEGIN (RSA |EC )?(PRIVATE|PUBLIC) KEY-----/.test(text)) return "key"
  if (path.endsWith(".yaml")) return "yaml"
  if (path.endsWith(".env")) return "env"
  return "text"
}

const shapeOf = (kind: Kind, text: string): unknown => {
  switch (kind) {
    case "kubeconfig":
      return kubeconfigShape(text)
    case "certificate":
      return certificateShape(text)
    case "key":
      return keyShape(text)
    case "yaml":
      return parse(text) as unknown
    case "env":
      return envShape(text)
    case "manifest":
      return podShape(text)
    case "kubelet-state":
      return null
    case "text":
      return text
  }
}

/**
 * The other side's etcd member out of `--initial-cluster`: the two joins of a case run one after
 * the other, so the second one's etcd lists the first one's member, which is no difference.
 */
export const withoutMember = (text: string, other: Side): string =>
  text
    .replace(new RegExp(`(--initial-cluster=[^\\s"']*?),?${escapeRe(other.nodeName)}=https://[^,\\s"']+`, "g"), "$1")
    .replace(/--initial-cluster=,/g, "--initial-cluster=")

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** One item per path of either root: identical, or its difference in one line. */
export const compareFiles = (
  kubeadm: ReadonlyMap<string, Entry>,
  kubeadmTs: ReadonlyMap<string, Entry>,
  sides: { readonly kubeadm: Side; readonly kubeadmTs: Side }
): Array<Difference & { readonly identical: boolean }> => {
  // the kubelet's own state files and sockets come and go with its start-up: compared when both have them
  const kubeletOwned = (path: string) =>
    KUBELET_STATE.test(path) || (path.startsWith("var/lib/kubelet/") && path.endsWith(".sock"))
  const paths = [...new Set([...kubeadm.keys(), ...kubeadmTs.keys()])]
    .filter((p) => !kubeletOwned(p) || (kubeadm.has(p) && kubeadmTs.has(p)))
    .sort()
  return paths.map((path) => {
    const a = kubeadm.get(path)
    const b = kubeadmTs.get(path)
    const result = (difference: string) => ({ name: path, difference, identical: difference === "" })
    if (!a) return result("written by kubeadm-ts only")
    if (!b) return result("written by kubeadm only")
    const meta: Array<string> = []
    if (a.type !== b.type) meta.push(`type ${a.type} vs ${b.type}`)
    if (a.mode !== b.mode) meta.push(`mode ${octal(a.mode)} vs ${octal(b.mode)}`)
    if (a.uid !== b.uid || a.gid !== b.gid) meta.push(`owner ${a.uid}:${a.gid} vs ${b.uid}:${b.gid}`)
    if (a.link !== b.link) meta.push(`link ${a.link ?? "-"} vs ${b.link ?? "-"}`)
    if (meta.length > 0) return result(meta.join(", "))
    if (a.type !== "file" || a.text === undefined || b.text === undefined) return result("")
    const kind = kindOf(path, a.text)
    try {
      // normalised after parsing: a certificate's or a kubeconfig's node name is inside base64 or DER
      const sa = normalise(canonical(shapeOf(kind, withoutMember(a.text, sides.kubeadmTs))), sides.kubeadm)
      const sb = normalise(canonical(shapeOf(kind, withoutMember(b.text, sides.kubeadm))), sides.kubeadmTs)
      return result(sa === sb ? "" : `${kind} differs: ${firstDifference(sa, sb)}`)
    } catch (e) {
      return result(`${kind} not comparable: ${e instanceof Error ? e.message : String(e)}`)
    }
  })
}
