/**
 * The pinned real Kubernetes components (tools/k8s): kubeadm, kube-apiserver, kube-scheduler,
 * kube-controller-manager, kubelet, kubectl and etcd, built once into a cache
 * folder outside the repo by `npm run k8s:build`. `KUBEADM_TS_K8S_DIR` points
 * at a prepared folder (bin/, versions) instead. Missing binaries are a loud failure.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The pinned binaries a real cluster needs; a prepared folder missing any of them is refused. */
export const COMPONENTS = [
  "kubeadm",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kubectl",
  "etcd"
] as const
/** One of the pinned binaries, by file name under bin/. */
export type Component = (typeof COMPONENTS)[number]

/** The built components: their folder, the Kubernetes and etcd versions they are, and each binary's path. */
export interface RealComponents {
  /** The folder holding bin/ and versions. */
  readonly dir: string
  readonly kubernetesVersion: string
  readonly etcdVersion: string
  readonly bin: (name: Component) => string
}

/** tools/k8s/build.sh of this checkout, found upwards from this module (source or bundle). */
const buildScript = (): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const script = join(dir, "tools/k8s/build.sh")
    if (existsSync(script)) return script
    if (dir === dirname(dir)) throw new Error(`tools/k8s/build.sh not found above ${fileURLToPath(import.meta.url)}`)
  }
}

let cached: RealComponents | undefined

/** The real components, building them first when the cache is cold (minutes, once). */
export const realComponents = (): RealComponents => {
  if (cached) return cached
  const dir =
    process.env["KUBEADM_TS_K8S_DIR"] ??
    execFileSync("bash", [buildScript()], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
      .trim()
      .split("\n")
      .pop() ??
    ""
  const missing = COMPONENTS.filter((c) => !existsSync(join(dir, "bin", c)))
  if (missing.length > 0) {
    throw new Error(
      `the real Kubernetes components are missing in ${dir}/bin: ${missing.join(", ")} (run npm run k8s:build)`
    )
  }
  const versions = Object.fromEntries(
    readFileSync(join(dir, "versions"), "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => l.split("=") as [string, string])
  )
  cached = {
    dir,
    kubernetesVersion: versions["kubernetes"] ?? "",
    etcdVersion: versions["etcd"] ?? "",
    bin: (name) => join(dir, "bin", name)
  }
  return cached
}
