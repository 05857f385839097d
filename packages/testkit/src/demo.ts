/**
 * `npm start`: the main job on an embedded default. Starts the testkit control
 * plane on loopback, prints the join command, runs a real `kubeadm-ts join`
 * (the built CLI in a child process, `--rootfs` in a temp folder,
 * `--self-tls-bootstrap` because there is no kubelet here), then shows the files
 * it wrote and the Node it registered.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { lstat, readdir, readlink, rm } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { startContainerd } from "./node/containerd.js"
import { initCluster } from "./cluster/init-cluster.js"
import { makeWorkerMachine } from "./node/worker-machine.js"

const repo = fileURLToPath(new URL("../../..", import.meta.url))
const cli = join(repo, "packages/cli/dist/kubeadm-ts.mjs")
const say = (line = "") => process.stdout.write(line + "\n")
// Bold only on a terminal: piped or redirected output stays plain text.
const title = (text: string) => say(process.stdout.isTTY ? `\n\x1b[1m== ${text}\x1b[0m` : `\n== ${text}`)

const tree = async (root: string, dir: string): Promise<Array<string>> => {
  const out: Array<string> = []
  const entries = await readdir(join(root, dir)).catch(() => [] as Array<string>)
  for (const name of entries.sort()) {
    const path = join(dir, name)
    const info = await lstat(join(root, path))
    if (info.isDirectory()) out.push(...(await tree(root, path)))
    else if (info.isSymbolicLink()) out.push(`  lrwxrwxrwx  /${path} -> ${await readlink(join(root, path))}`)
    else out.push(`  ${(info.mode & 0o777).toString(8).padStart(4, "0")}  /${path}  (${info.size} bytes)`)
  }
  return out
}

const main = async () => {
  if (!existsSync(cli)) {
    title("Building the CLI (npm run build)")
    const built = spawnSync("npm", ["run", "build"], { cwd: repo, stdio: "inherit" })
    if (built.status !== 0) throw new Error("npm run build failed")
  }

  title("Starting a control plane (the testkit's HTTPS API server on loopback)")
  const cluster = await initCluster({ address: "127.0.0.1" })
  const rootfs = await makeWorkerMachine({ prefix: "kubeadm-ts-demo-" })
  const nodeName = "demo-worker-1"
  let stopContainerd: (() => Promise<void>) | undefined
  try {
    say(`API server: ${cluster.url}  (Kubernetes ${cluster.kubernetesVersion}, cluster CA pin ${cluster.caCertHash})`)
    title("The join command the control plane prints")
    say(`  ${cluster.joinCommands.workerLine.replace(cluster.token, `${cluster.token.split(".")[0]}.<secret>`)}`)

    title(`Running it: kubeadm-ts join ... --rootfs ${rootfs} --node-name ${nodeName} --self-tls-bootstrap`)
    // A real containerd answers the CRI check when the machine has one; otherwise that check is ignored.
    const containerd = await startContainerd(rootfs).catch((e: unknown) => {
      say(`(no containerd: ${causeText(e).split("\n")[0]}; ignoring the CRI check)`)
      return undefined
    })
    stopContainerd = containerd?.stop
    const args = [
      cli,
      ...cluster.joinCommands.worker,
      "--rootfs",
      rootfs,
      "--node-name",
      nodeName,
      "--self-tls-bootstrap",
      ...(containerd === undefined ? ["--ignore-preflight-errors=CRI"] : [])
    ]
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: "inherit" })
      child.on("exit", (c) => resolve(c ?? 1))
    })
    if (code !== 0) throw new Error(`kubeadm-ts join exited with ${code}`)

    title(`Files written under ${rootfs}`)
    for (const dir of ["etc/kubernetes", "var/lib/kubelet"]) for (const line of await tree(rootfs, dir)) say(line)

    title(`The Node registered in the cluster`)
    const node = cluster.get("nodes", undefined, nodeName) as
      { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined
    if (node === undefined) throw new Error(`Node ${nodeName} is not registered`)
    say(`  Node ${nodeName}`)
    for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) say(`    label       ${k}=${v}`)
    for (const [k, v] of Object.entries(node.metadata?.annotations ?? {})) say(`    annotation  ${k}=${v}`)
    say(
      `\nkubectl --kubeconfig ${join(rootfs, "etc/kubernetes/kubelet.conf")} would now act as system:node:${nodeName}; the demo cleans up.`
    )
  } finally {
    await stopContainerd?.()
    await cluster.close()
    await rm(rootfs, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`demo failed: ${causeText(e)}\n`)
    process.exit(1)
  }
)
