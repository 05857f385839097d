/**
 * Reads the API target (server, CA, credentials) out of a kubeconfig, as the kubelet reads its
 * bootstrap kubeconfig: the current context's cluster and user. File references are resolved by
 * the caller's `readFile` (e.g. relative to a rootfs).
 */
import { parse } from "yaml"
import { BootstrapConfigError } from "./errors.js"
import type { ApiTarget } from "./http.js"

type Named<K extends string> = { name?: string } & Partial<Record<K, Record<string, unknown>>>

const b64 = (s: unknown): string => Buffer.from(String(s), "base64").toString("utf8")

export const targetFromKubeconfig = (
  text: string,
  readFile: (path: string) => string = () => {
    throw new BootstrapConfigError({ message: "the kubeconfig references a file, but no file reader was given" })
  }
): ApiTarget => {
  let doc: Record<string, unknown>
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>
  } catch (e) {
    throw new BootstrapConfigError({ message: `cannot parse the kubeconfig: ${e instanceof Error ? e.message : String(e)}` })
  }
  const contexts = (doc["contexts"] ?? []) as Array<Named<"context">>
  const clusters = (doc["clusters"] ?? []) as Array<Named<"cluster">>
  const users = (doc["users"] ?? []) as Array<Named<"user">>
  const ctx = contexts.find((c) => c.name === doc["current-context"])?.context ?? contexts[0]?.context
  const cluster = (ctx ? clusters.find((c) => c.name === ctx["cluster"]) : clusters[0])?.cluster
  const user = (ctx ? users.find((u) => u.name === ctx["user"]) : users[0])?.user ?? {}
  if (!cluster || typeof cluster["server"] !== "string")
    throw new BootstrapConfigError({ message: "the kubeconfig has no cluster with a server for its current context" })
  const caPem = cluster["certificate-authority-data"]
    ? b64(cluster["certificate-authority-data"])
    : cluster["certificate-authority"]
      ? readFile(String(cluster["certificate-authority"]))
      : undefined
  if (!caPem) throw new BootstrapConfigError({ message: "the kubeconfig's cluster has no certificate authority" })
  const pick = (dataKey: string, fileKey: string): string | undefined =>
    user[dataKey] ? b64(user[dataKey]) : user[fileKey] ? readFile(String(user[fileKey])) : undefined
  return {
    server: cluster["server"],
    caPem,
    token: typeof user["token"] === "string" ? user["token"] : undefined,
    clientCertPem: pick("client-certificate-data", "client-certificate"),
    clientKeyPem: pick("client-key-data", "client-key")
  }
}
