/**
 * `--patches DIR` end to end, through the built CLI against the testkit with a REAL etcd: a
 * control-plane join whose static Pods and kubelet config.yaml come out as the patch files
 * say (the patched etcd runs), and bad patch folders refused before anything is written.
 */
import { createHash } from "node:crypto"
import { mkdir, readFile, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { controlPlaneMachine, filesUnder, runCli, useClusterWithEtcd } from "./control-plane-helpers.js"

type Container = {
  name: string
  command: string[]
  env?: Array<{ name: string; value: string }>
  resources?: { requests?: Record<string, string> }
}
type PodDoc = {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }
  spec: { containers: Container[] }
}

/** Every file under the rootfs with its mode and content digest: equal before and after means nothing was written. */
const tree = async (rootfs: string) => {
  const out: string[] = []
  for (const f of await filesUnder(rootfs)) {
    const p = join(rootfs, f)
    out.push(
      `${f} ${((await stat(p)).mode & 0o7777).toString(8)} ${createHash("sha256")
        .update(await readFile(p))
        .digest("hex")}`
    )
  }
  return out
}

const writePatches = async (rootfs: string, dir: string, files: Record<string, string>) => {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(rootfs, dir, name, ".."), { recursive: true })
    await writeFile(join(rootfs, dir, name), text)
  }
}

describe("control-plane join with --patches (built CLI, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })
  const cleanups = cp.cleanups

  it("patches the four static Pods and config.yaml as the files say, in kubeadm's order", async () => {
    const m = await controlPlaneMachine("cp-patched")
    cleanups.push(m.cleanup)
    await writePatches(m.rootfs, "etc/kubeadm-patches", {
      "kube-apiserver+json.yaml":
        '[{"op": "add", "path": "/spec/containers/0/command/-", "value": "--audit-log-maxage=7"}]\n',
      "kube-apiserver0+merge.yaml": "metadata:\n  annotations:\n    patched-by: merge\n",
      "kube-controller-manager.yaml":
        "metadata:\n  labels:\n    patched: strategic\nspec:\n  containers:\n  - name: kube-controller-manager\n    env:\n    - name: FOO\n      value: bar\n",
      "kube-scheduler+strategic.json":
        '{"spec":{"containers":[{"name":"kube-scheduler","resources":{"requests":{"memory":"64Mi"}}}]}}',
      "sub/etcd.yaml": "metadata:\n  labels:\n    first: a\n---\nmetadata:\n  labels:\n    second: b\n",
      "kubeletconfiguration+merge.yaml": "maxPods: 42\n",
      "kubeletconfiguration.yaml": "evictionHard:\n  memory.available: 5%\n",
      "README.md": "not a patch\n"
    })
    const r = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags, "--patches", "/etc/kubeadm-patches"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('[patches] Reading patches from path "/etc/kubeadm-patches"')
    expect(r.stdout).toContain(
      "[patches] Found the following patch files: [kube-apiserver+json.yaml kube-apiserver0+merge.yaml kube-controller-manager.yaml kube-scheduler+strategic.json kubeletconfiguration+merge.yaml kubeletconfiguration.yaml etcd.yaml]"
    )
    expect(r.stdout).toContain('[patches] Ignoring file "README.md": the file extension must be one of [json yaml]')
    expect(r.stdout.match(/\[patches\] Reading patches/g)).toHaveLength(1)
    const applied = r.stdout.split("\n").filter((l) => l.startsWith("[patches] Applied"))
    expect(applied).toEqual([
      '[patches] Applied patch of type "application/json-patch+json" to target "kube-apiserver"',
      '[patches] Applied patch of type "application/merge-patch+json" to target "kube-apiserver"',
      '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "kube-controller-manager"',
      '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "kube-scheduler"',
      '[patches] Applied patch of type "application/merge-patch+json" to target "kubeletconfiguration"',
      '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "kubeletconfiguration"',
      '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "etcd"',
      '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "etcd"'
    ])
    const manifest = async (name: string) =>
      parse(await readFile(join(m.rootfs, "etc/kubernetes/manifests", `${name}.yaml`), "utf8")) as PodDoc
    const api = await manifest("kube-apiserver")
    expect(api.spec.containers[0]?.command.at(-1)).toBe("--audit-log-maxage=7")
    expect(api.spec.containers[0]?.command[0]).toBe("kube-apiserver")
    expect(api.metadata.annotations?.["patched-by"]).toBe("merge")
    const kcm = await manifest("kube-controller-manager")
    expect(kcm.metadata.labels?.["patched"]).toBe("strategic")
    expect(kcm.spec.containers[0]?.env).toEqual([{ name: "FOO", value: "bar" }])
    expect(kcm.spec.containers[0]?.command[0]).toBe("kube-controller-manager")
    const scheduler = await manifest("kube-scheduler")
    expect(scheduler.spec.containers[0]?.resources?.requests).toEqual({ cpu: "100m", memory: "64Mi" })
    const etcd = await manifest("etcd")
    expect(etcd.metadata.labels).toMatchObject({ first: "a", second: "b", component: "etcd" })
    const kubelet = parse(await readFile(join(m.rootfs, "var/lib/kubelet/config.yaml"), "utf8")) as Record<
      string,
      unknown
    >
    expect(kubelet["maxPods"]).toBe(42)
    expect(kubelet["evictionHard"]).toMatchObject({ "memory.available": "5%" })
    expect(kubelet["kind"]).toBe("KubeletConfiguration")
  })

  const refused = async (name: string, files: Record<string, string>, expected: string, patchesArg = "/patches") => {
    const m = await controlPlaneMachine(name)
    cleanups.push(m.cleanup)
    await writePatches(m.rootfs, "patches", files)
    const before = await tree(m.rootfs)
    const r = await runCli([...cp.cluster.joinCommands.controlPlane, ...m.flags, "--patches", patchesArg])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(expected)
    expect(await tree(m.rootfs)).toEqual(before)
  }

  it("a bad patch type in a file name: exit non-zero, names the file, writes nothing", () =>
    refused(
      "cp-bad-type",
      { "etcd.yaml": "metadata: {labels: {a: b}}\n", "kube-apiserver+strategy.yaml": "a: b\n" },
      `could not list patch files for path "/patches": file "kube-apiserver+strategy.yaml": unknown or missing patch type after '+', must be one of [json merge strategic]`
    ))

  it("a patch file that is not YAML: exit non-zero, names the file, writes nothing", () =>
    refused(
      "cp-bad-yaml",
      { "kubeletconfiguration.yaml": "maxPods: [42\n" },
      `could not list patch files for path "/patches": file "kubeletconfiguration.yaml": could not convert patch to JSON`
    ))

  it("a JSON patch that is not a list of operations: exit non-zero, names the file, writes nothing", () =>
    refused(
      "cp-bad-json",
      { "kube-scheduler+json.json": '{"op": "add"}' },
      'file "kube-scheduler+json.json": not a patch of type "application/json-patch+json"'
    ))

  it("a patch that does not apply to its static Pod: stops in preflight, names the file, writes nothing", () =>
    refused(
      "cp-no-apply",
      { "kube-apiserver+json.yaml": '[{"op": "replace", "path": "/spec/noSuchField", "value": 1}]\n' },
      'failed to patch static Pod manifest file for "kube-apiserver": could not apply the following patch of type "application/json-patch+json" to target "kube-apiserver" (file "kube-apiserver+json.yaml")'
    ))

  it("a patch that leaves no valid Pod: stops in preflight, writes nothing", () =>
    refused(
      "cp-bad-pod",
      { "etcd+merge.yaml": "spec:\n  containers: 7\n" },
      'the generated manifest for "etcd" is not a valid Pod'
    ))

  it("a missing patch folder: exit non-zero, names it, writes nothing", () =>
    refused(
      "cp-no-dir",
      {},
      'could not list patch files for path "/nowhere": lstat /nowhere: no such file or directory',
      "/nowhere"
    ))
})
