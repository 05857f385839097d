/**
 * A fake worker machine's root filesystem in a temp folder: what kubeadm's
 * preflight looks at (sysctls under proc/sys, proc/swaps without swap, the
 * executables on PATH, a `kubelet` that answers `--version`), so a join with
 * `--rootfs <dir>` can run its real checks unprivileged of the host.
 */
import { chmod, copyFile, link, mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** How a fake worker's rootfs differs from the default, for tests of other kubelet versions or failing preflight checks. */
export interface WorkerMachineOptions {
  /** Version `kubelet --version` reports (default v1.15.12). */
  readonly kubeletVersion?: string
  /** Leave out these executables (e.g. to test FileExisting checks). */
  readonly without?: ReadonlyArray<string>
  /** Write these extra files (path inside the rootfs -> content). */
  readonly files?: Readonly<Record<string, string>>
  /** Folder prefix (default "kubeadm-ts-node-"). */
  readonly prefix?: string
  /** Build the machine in this (new or empty) folder instead of a temp folder. */
  readonly dir?: string
  /** The real kubelet binary to install as usr/bin/kubelet (hard-linked when possible) instead of a stand-in. */
  readonly kubeletBinary?: string
}

const EXECUTABLES = ["ip", "iptables", "mount", "nsenter", "ebtables", "ethtool", "socat", "tc", "touch"]

/** Builds a fake worker's rootfs in a temp folder and returns its path, for `kubeadm-ts join --rootfs`. */
export const makeWorkerMachine = async (options: WorkerMachineOptions = {}): Promise<string> => {
  const root = options.dir ?? (await mkdtemp(join(tmpdir(), options.prefix ?? "kubeadm-ts-node-")))
  const put = async (path: string, content: string, mode = 0o644) => {
    const full = join(root, path)
    await mkdir(join(full, ".."), { recursive: true })
    await writeFile(full, content)
    await chmod(full, mode)
  }
  await put("proc/sys/net/bridge/bridge-nf-call-iptables", "1\n")
  await put("proc/sys/net/ipv4/ip_forward", "1\n")
  await put("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
  for (const exe of EXECUTABLES.filter((e) => !(options.without ?? []).includes(e))) {
    await put(`usr/bin/${exe}`, "#!/bin/sh\nexit 0\n", 0o755)
  }
  if (options.kubeletBinary !== undefined) {
    await mkdir(join(root, "usr/bin"), { recursive: true })
    await link(options.kubeletBinary, join(root, "usr/bin/kubelet")).catch(() =>
      copyFile(options.kubeletBinary ?? "", join(root, "usr/bin/kubelet"))
    )
  } else if (!(options.without ?? []).includes("kubelet")) {
    await put("usr/bin/kubelet", `#!/bin/sh\necho "Kubernetes ${options.kubeletVersion ?? "v1.15.12"}"\n`, 0o755)
  }
  await mkdir(join(root, "run"), { recursive: true })
  await mkdir(join(root, "var"), { recursive: true })
  await symlink("../run", join(root, "var/run")) // as on every current distro
  for (const [path, content] of Object.entries(options.files ?? {})) await put(path, content)
  return root
}
