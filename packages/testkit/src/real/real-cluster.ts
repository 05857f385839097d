/**
 * A real control plane, made the way `kubeadm init` makes it: the pinned real
 * kubeadm writes the certificates, kubeconfigs and static Pod manifests
 * (v1beta4 InitConfiguration/ClusterConfiguration, a cgroupfs kubelet on
 * cgroup v1), then etcd, kube-apiserver and kube-controller-manager run as
 * processes with the manifests' own command lines, on the control-plane node
 * of a test network. Once /readyz answers, kubeadm uploads the configuration
 * and the certificates, creates the bootstrap token and the kube-proxy addon.
 *
 * The controller manager runs `*,bootstrapsigner,tokencleaner`: the real
 * bootstrap signer signs cluster-info, the real CSR approver and signer handle
 * the kubelets' CSRs, and expired tokens really disappear.
 *
 * The init node also runs the real kubelet (kubeadm's kubelet-start and
 * mark-control-plane phases, containerd, the systemctl shim): it registers the
 * control-plane Node and the static Pods' mirror Pods, whose annotations are
 * where current kubeadm finds the etcd members' client URLs.
 */
import { execFile } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname } from "node:path"
import { Context, Effect, Layer, type Scope } from "effect"
import { type ClusterStartError, startStep } from "../cluster/cluster.js"
import { type Containerd, startContainerd } from "../node/containerd.js"
import { installKubeletUnit, type KubeletUnit, SYSTEMCTL } from "./kubelet-unit.js"
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { caCertHash, generateCertificateKey } from "@kubeadm-ts/join/crypto"
import { randomTokenPart } from "../cluster/cluster-objects.js"
import { waitFor } from "../wait.js"
import { type RealComponents, realComponents } from "./components.js"
import { createNetwork, type TestNetwork } from "./network.js"
import { type NodeHost, type NodeProcess, onNode, startOnNode } from "./node-process.js"
import { staticPodCommand } from "./static-pod-command.js"

/** The port every real API server binds, as kubeadm's default. */
export const API_SERVER_PORT = 6443

/** Where a real cluster keeps its files and whether it has a controlPlaneEndpoint. */
export interface RealClusterOptions {
  /** Folder for the control-plane node's root and the cluster's files (a temp folder by default). */
  readonly dir: string
  /** Set `controlPlaneEndpoint` (default true): without it, control-plane joins are refused. */
  readonly controlPlaneEndpoint?: boolean
}

/** The join commands for a real cluster, as argument lists and as the lines kubeadm init prints. */
export interface RealJoinCommands {
  readonly worker: ReadonlyArray<string>
  readonly controlPlane: ReadonlyArray<string>
  readonly workerLine: string
  readonly controlPlaneLine: string
}

/** A finished kubectl or kubeadm run: exit code and output. */
export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A running real cluster. */
export interface RealClusterService {
  readonly components: RealComponents
  readonly kubernetesVersion: string
  readonly network: TestNetwork
  readonly controlPlane: NodeHost
  /** `address:6443` of the init node's API server. */
  readonly endpoint: string
  readonly clusterEndpoint: string
  readonly token: string
  readonly caCertHash: string
  readonly certificateKey: string
  readonly caPem: string
  /** The cluster-admin kubeconfig (a copy of the init node's admin.conf). */
  readonly adminConf: string
  readonly joinCommands: RealJoinCommands
  /** A new node on the cluster's network with an empty root folder under `dir`. */
  readonly addNode: (name: string) => NodeHost
  /** The real kubectl with the admin kubeconfig. */
  readonly kubectl: (args: ReadonlyArray<string>) => Promise<CommandResult>
  /** The real kubeadm on the control-plane node (its /etc/kubernetes). */
  readonly kubeadm: (args: ReadonlyArray<string>) => Promise<CommandResult>
  readonly processes: ReadonlyArray<NodeProcess>
  /** The init node's kubelet. */
  readonly kubelet: KubeletUnit
  readonly close: () => Promise<void>
}

const run = (file: string, args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv): Promise<CommandResult> =>
  new Promise((resolve) =>
    execFile(
      file,
      [...args],
      { encoding: "utf8", timeout: 120_000, maxBuffer: 16 << 20, env: env ?? process.env },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr })
    )
  )

const kubeadmConfig = (o: {
  version: string
  address: string
  token: string
  certificateKey: string
  controlPlaneEndpoint: boolean
}) =>
  `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: "${o.token}"
  ttl: 24h0m0s
  usages: [signing, authentication]
  groups: [system:bootstrappers:kubeadm:default-node-token]
localAPIEndpoint:
  advertiseAddress: ${o.address}
  bindPort: ${API_SERVER_PORT}
nodeRegistration:
  name: control-plane-0
  criSocket: unix:///run/containerd/containerd.sock
certificateKey: "${o.certificateKey}"
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${o.version}
clusterName: kubernetes
${o.controlPlaneEndpoint ? `controlPlaneEndpoint: "${o.address}:${API_SERVER_PORT}"\n` : ""}controllerManager:
  extraArgs:
  - name: controllers
    value: "*,bootstrapsigner,tokencleaner"
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
`

/** Makes the cluster; on failure every process is stopped and the error carries their log tails. */
export const realCluster = async (options: RealClusterOptions): Promise<RealClusterService> => {
  const components = realComponents()
  const network = createNetwork()
  const processes: Array<NodeProcess> = []
  let containerd: Containerd | undefined
  let kubelet: KubeletUnit | undefined
  const close = async () => {
    kubelet?.stop()
    await containerd?.stop()
    for (const p of [...processes].reverse()) await p.stop()
    network.close()
  }
  try {
    const controlPlane: NodeHost = {
      network: network.addNode("control-plane-0"),
      root: join(options.dir, "control-plane-0")
    }
    const address = controlPlane.network.address
    const endpoint = `${address}:${API_SERVER_PORT}`
    const token = `${randomTokenPart(6)}.${randomTokenPart(16)}`
    const certificateKey = generateCertificateKey()
    const configPath = join(options.dir, "kubeadm-init.yaml")
    mkdirSync(options.dir, { recursive: true })
    writeFileSync(
      configPath,
      kubeadmConfig({
        version: components.kubernetesVersion,
        address,
        token,
        certificateKey,
        controlPlaneEndpoint: options.controlPlaneEndpoint ?? true
      }),
      { mode: 0o600 }
    )
    const kubeadm = async (args: ReadonlyArray<string>) => {
      const [file, argv] = onNode(controlPlane, components.bin("kubeadm"), args)
      // the node's systemctl shim first on PATH: kubeadm drives this node's kubelet with it
      return run(file, argv, {
        ...process.env,
        PATH: `${dirname(join(controlPlane.root, SYSTEMCTL))}:${process.env["PATH"] ?? "/usr/bin:/bin"}`
      })
    }
    const initPhase = async (...args: Array<string>) => {
      const r = await kubeadm(["init", "phase", ...args, "--config", configPath])
      if (r.code !== 0)
        throw new Error(`kubeadm init phase ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`)
    }
    await initPhase("certs", "all")
    await initPhase("kubeconfig", "all")
    await initPhase("etcd", "local")
    await initPhase("control-plane", "apiserver")
    await initPhase("control-plane", "controller-manager")

    const manifests = join(controlPlane.root, "etc/kubernetes/manifests")
    for (const name of ["etcd", "kube-apiserver", "kube-controller-manager"]) {
      const { program, args } = staticPodCommand(join(manifests, `${name}.yaml`), components)
      processes.push(startOnNode(controlPlane, name, program, args))
    }
    const adminConf = join(options.dir, "admin.conf")
    copyFileSync(join(controlPlane.root, "etc/kubernetes/admin.conf"), adminConf)
    const kubectl = (args: ReadonlyArray<string>) =>
      run(components.bin("kubectl"), ["--kubeconfig", adminConf, ...args], { ...process.env, HOME: options.dir })
    const exitedEarly = () => processes.find((p) => p.exited())
    await waitFor(
      async () => {
        const dead = exitedEarly()
        if (dead) throw new Error(`${dead.name} exited during start-up`)
        return (await kubectl(["get", "--raw", "/readyz"])).stdout.trim() === "ok"
      },
      { timeoutMs: 120_000, intervalMs: 250, what: "the kube-apiserver's /readyz" }
    )

    await initPhase("upload-config", "all")
    // (the certificate key is the InitConfiguration's: kubeadm refuses it as a flag beside --config)
    const upload = await kubeadm(["init", "phase", "upload-certs", "--upload-certs", "--config", configPath])
    if (upload.code !== 0) throw new Error(`kubeadm init phase upload-certs exited ${upload.code}:\n${upload.stderr}`)
    await initPhase("bootstrap-token")
    await initPhase("addon", "kube-proxy")

    containerd = await startContainerd(controlPlane.root)
    kubelet = installKubeletUnit(controlPlane, components)
    await initPhase("kubelet-start")
    const registered = () => kubectl(["get", "node", "control-plane-0"]).then((r) => r.code === 0)
    await waitFor(registered, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: "the init node's kubelet to register its Node"
    })
    await initPhase("mark-control-plane")
    const etcdMirror = () =>
      kubectl(["-n", "kube-system", "get", "pod", "etcd-control-plane-0"]).then((r) => r.code === 0)
    await waitFor(etcdMirror, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: "the init node's kubelet to create the etcd mirror Pod"
    })
    // The real bootstrap signer signs cluster-info for the token: discovery works from then on.
    const tokenId = token.split(".")[0] ?? ""
    await waitFor(
      async () =>
        (await kubectl(["-n", "kube-public", "get", "cm", "cluster-info", "-o", "json"])).stdout.includes(
          `jws-kubeconfig-${tokenId}`
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "the bootstrap signer to sign cluster-info"
      }
    )

    const caPem = readFileSync(join(controlPlane.root, "etc/kubernetes/pki/ca.crt"), "utf8")
    const hash = caCertHash(caPem)
    const worker = ["join", endpoint, "--token", token, "--discovery-token-ca-cert-hash", hash]
    const controlPlaneArgs = [...worker, "--control-plane", "--certificate-key", certificateKey]
    let nodes = 0
    return {
      components,
      kubernetesVersion: components.kubernetesVersion,
      network,
      controlPlane,
      endpoint,
      clusterEndpoint: endpoint,
      token,
      caCertHash: hash,
      certificateKey,
      caPem,
      adminConf,
      joinCommands: {
        worker,
        controlPlane: controlPlaneArgs,
        workerLine: `kubeadm-ts ${worker.join(" ")}`,
        controlPlaneLine: `kubeadm-ts ${controlPlaneArgs.join(" ")}`
      },
      addNode: (name) => ({ network: network.addNode(name), root: join(options.dir, `node-${++nodes}-${name}`) }),
      kubectl,
      kubeadm,
      processes,
      kubelet,
      close
    }
  } catch (e) {
    const tails = [
      ...processes.map(
        (p) =>
          `--- ${p.name}${p.exited() ? ` (exited ${p.child.exitCode ?? p.child.signalCode})` : ""}:\n${p.logTail()}`
      ),
      ...(kubelet ? [`--- kubelet:\n${kubelet.logTail(20)}`] : [])
    ].join("\n")
    await close()
    throw new Error(`${causeText(e)}${tails ? `\n${tails}` : ""}`, { cause: e })
  }
}

/** The running real cluster, as a scoped service. */
export class RealCluster extends Context.Tag("@kubeadm-ts/testkit/RealCluster")<RealCluster, RealClusterService>() {}

/**
 * Makes the cluster in the current scope; closing the scope stops every process, and removes the
 * folder when it was made here (no `dir` given).
 */
export const make = (
  options: Omit<RealClusterOptions, "dir"> & { readonly dir?: string } = {}
): Effect.Effect<RealClusterService, ClusterStartError, Scope.Scope> =>
  Effect.gen(function* () {
    const dir =
      options.dir ??
      (yield* Effect.acquireRelease(
        startStep("a folder for the real cluster", () => mkdtemp(join(tmpdir(), "kubeadm-ts-real-"))),
        (d) => Effect.promise(() => rm(d, { recursive: true, force: true }))
      ))
    return yield* Effect.acquireRelease(
      startStep("the real cluster", () => realCluster({ ...options, dir })),
      (c) => Effect.promise(() => c.close())
    )
  })

/** The real cluster as a layer: made when the layer is built, stopped when its scope closes. */
export const layer = (
  options: Omit<RealClusterOptions, "dir"> & { readonly dir?: string } = {}
): Layer.Layer<RealCluster, ClusterStartError> => Layer.scoped(RealCluster, make(options))
