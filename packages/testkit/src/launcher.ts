/**
 * `kubeadm-ts-testkit serve [--address 127.0.1.1] [--port 0] [--dir DIR] [--key-algorithm rsa-2048|ecdsa-p256]
 *  [--kubernetes-version v1.15.12] [--control-plane-endpoint host:port|self]`
 * starts a control plane, prints one JSON document (endpoint, token, CA hash, certificate key,
 * join commands, paths) to stdout and `DIR/testkit.json`, and serves until SIGINT/SIGTERM.
 * `serve --real [--dir DIR]` does the same with a real cluster (the pinned kubeadm, etcd,
 * kube-apiserver and kube-controller-manager on a test network; root only); its document adds
 * `kubernetesVersion` and `binaries`.
 */
import { mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { causeText } from "@kubeadm-ts/join/cause-text"
import type { KeyAlgorithm } from "@kubeadm-ts/join/crypto"

const USAGE =
  "usage: kubeadm-ts-testkit serve [--real] [--address ADDR] [--port PORT] [--dir DIR] [--key-algorithm rsa-2048|ecdsa-p256] [--kubernetes-version V] [--control-plane-endpoint HOST:PORT|self|none]"

const parseArgs = (argv: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ""
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`)
    const eq = a.indexOf("=")
    if (BOOLEAN.has(a.slice(2))) out[a.slice(2)] = "true"
    else if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1)
    else {
      const v = argv[i + 1]
      if (v === undefined || v.startsWith("--")) throw new Error(`flag ${a} needs a value`)
      out[a.slice(2)] = v
      i++
    }
  }
  return out
}

const BOOLEAN = new Set(["real"])
const KNOWN = new Set([
  "real",
  "address",
  "port",
  "dir",
  "key-algorithm",
  "kubernetes-version",
  "control-plane-endpoint"
])

const main = async (): Promise<void> => {
  const [command, ...rest] = process.argv.slice(2)
  if (command !== "serve") {
    process.stderr.write(`${USAGE}\n`)
    process.exit(command === "--help" || command === "-h" ? 0 : 2)
  }
  const args = parseArgs(rest)
  for (const k of Object.keys(args)) if (!KNOWN.has(k)) throw new Error(`unknown flag --${k}`)
  if (args["real"]) return serveReal(args)
  const port = Number(args["port"] ?? "0")
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got "${args["port"]}"`)
  const algorithm = (args["key-algorithm"] ?? "rsa-2048") as KeyAlgorithm
  if (!["rsa-2048", "ecdsa-p256"].includes(algorithm)) throw new Error(`--key-algorithm must be rsa-2048 or ecdsa-p256`)
  const cpe = args["control-plane-endpoint"]
  // loaded after the arguments are checked: usage errors stay fast
  const { initCluster } = await import("./cluster/init-cluster.js")
  const cluster = await initCluster({
    address: args["address"] ?? "127.0.0.1",
    port,
    keyAlgorithm: algorithm,
    ...(args["kubernetes-version"] ? { kubernetesVersion: args["kubernetes-version"] } : {}),
    ...(cpe ? { controlPlaneEndpoint: cpe === "self" ? true : cpe } : {})
  })
  const dir = args["dir"] ?? (await mkdtemp(join(tmpdir(), "kubeadm-ts-testkit-")))
  const paths = await cluster.writeFiles(dir)
  await publish(cluster, dir, {}, paths)
}

interface Served {
  readonly clusterEndpoint: string
  readonly kubernetesVersion: string
  readonly token: string
  readonly caCertHash: string
  readonly certificateKey: string
  readonly joinCommands: {
    readonly worker: ReadonlyArray<string>
    readonly controlPlane: ReadonlyArray<string>
    readonly workerLine: string
    readonly controlPlaneLine: string
  }
  readonly close: () => Promise<void>
}

/** Prints the cluster's JSON document, writes it to DIR/testkit.json, and closes the cluster on SIGINT/SIGTERM. */
const publish = async (cluster: Served, dir: string, extra: Record<string, string>, paths: Record<string, string>) => {
  const document = {
    endpoint: cluster.clusterEndpoint,
    server: `https://${cluster.clusterEndpoint}`,
    kubernetesVersion: cluster.kubernetesVersion,
    ...extra,
    token: cluster.token,
    caCertHash: cluster.caCertHash,
    certificateKey: cluster.certificateKey,
    joinCommand: { worker: cluster.joinCommands.workerLine, controlPlane: cluster.joinCommands.controlPlaneLine },
    joinArgs: { worker: cluster.joinCommands.worker, controlPlane: cluster.joinCommands.controlPlane },
    paths: { dir, json: join(dir, "testkit.json"), ...paths },
    pid: process.pid
  }
  const json = JSON.stringify(document, null, 2) + "\n"
  await writeFile(document.paths.json, json, { mode: 0o600 })
  process.stdout.write(json)
  const shutdown = () => {
    void cluster.close().then(() => process.exit(0))
  }
  process.once("SIGINT", shutdown)
  process.once("SIGTERM", shutdown)
}

/** `serve --real`: the address is the test network's; --port, --key-algorithm and --kubernetes-version are the real kubeadm's. */
const serveReal = async (args: Record<string, string>): Promise<void> => {
  for (const k of ["address", "port", "key-algorithm", "kubernetes-version"]) {
    if (args[k] !== undefined)
      throw new Error(
        `--${k} does not apply to --real (the real cluster uses its test network's address, port 6443 and the pinned kubeadm's defaults)`
      )
  }
  const dir = args["dir"] ?? (await mkdtemp(join(tmpdir(), "kubeadm-ts-real-")))
  const { realCluster } = await import("./real/real-cluster.js")
  const cluster = await realCluster({ dir, controlPlaneEndpoint: args["control-plane-endpoint"] !== "none" })
  await publish(
    cluster,
    dir,
    { etcdVersion: cluster.components.etcdVersion, binaries: join(cluster.components.dir, "bin") },
    { adminKubeconfig: cluster.adminConf, controlPlaneRoot: cluster.controlPlane.root }
  )
}

main().catch((e: unknown) => {
  process.stderr.write(`kubeadm-ts-testkit: ${causeText(e)}\n${USAGE}\n`)
  process.exit(1)
})
