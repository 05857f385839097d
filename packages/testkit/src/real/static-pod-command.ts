/**
 * The command line of a static Pod manifest kubeadm wrote, with the
 * container's program replaced by the pinned binary of the same name: what a
 * kubelet would run, minus the container. The Pod's hostPath volumes are the
 * node's folders, which `onNode` mounts at the same paths.
 */
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import { type Component, type RealComponents } from "./components.js"

interface PodLike {
  spec?: { containers?: Array<{ command?: Array<string>; args?: Array<string> }> }
}

/** The pinned program and arguments to run for a static Pod manifest, refusing any Pod that is not a control-plane component. */
export const staticPodCommand = (
  manifestPath: string,
  components: RealComponents
): { program: string; args: Array<string> } => {
  const pod = parse(readFileSync(manifestPath, "utf8")) as PodLike
  const container = pod.spec?.containers?.[0]
  const [program, ...rest] = [...(container?.command ?? []), ...(container?.args ?? [])]
  const known: ReadonlyArray<string> = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
  if (program === undefined || !known.includes(program)) {
    throw new Error(
      `${manifestPath}: expected a container command of ${known.join(", ")}, got ${JSON.stringify(program)}`
    )
  }
  return { program: components.bin(program as Component), args: rest }
}
