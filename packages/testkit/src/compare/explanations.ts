/**
 * The explained differences: README's "Where kubeadm-ts differs from kubeadm" section marks
 * each entry with ids in an HTML comment (`<!-- compare: id-a, id-b -->`, invisible to readers),
 * and each rule below says which differences an id covers. A difference counts as explained only
 * when a rule matches it and the README still carries that id.
 */
import type { Area, Difference } from "./items.js"

/** The heading of the README section the ids are read from. */
export const SECTION = "## Where kubeadm-ts differs from kubeadm"

/** The ids marked in the README section (every `<!-- compare: ... -->` comment under its heading). */
export const readmeIds = (readme: string): ReadonlySet<string> => {
  const start = readme.indexOf(SECTION)
  if (start < 0) return new Set()
  const rest = readme.slice(start + SECTION.length)
  const next = rest.search(/\n## /)
  const section = next < 0 ? rest : rest.slice(0, next)
  const ids = new Set<string>()
  for (const m of section.matchAll(/<!--\s*compare:\s*([^>]*?)\s*-->/g))
    for (const id of (m[1] ?? "").split(",")) if (id.trim() !== "") ids.add(id.trim())
  return ids
}

/** Which differences an id explains: the area and a pattern over `name: difference`. */
export interface Rule {
  readonly id: string
  readonly area: Area
  /** Only in this case. */
  readonly case?: string
  readonly pattern: RegExp
}

/** The rules; an id with no README entry explains nothing. */
export const RULES: ReadonlyArray<Rule> = [
  // Hostname: the resolver's own error, Node's getaddrinfo here, Go's resolver there
  {
    id: "hostname-resolver-error",
    area: "output",
    pattern:
      /^warning: kubeadm: \[WARNING Hostname\]: hostname "<node-name>": .* \| kubeadm-ts: \[WARNING Hostname\]: hostname "<node-name>": /
  },
  // SystemVerification: kubeadm-ts checks the kernel version; kubeadm also reads the kernel config and the
  // cgroup mounts, which the comparison's chroot does not have, so kubeadm prints its report and warns
  {
    id: "system-verification",
    area: "output",
    pattern:
      /^(progress line|warning): kubeadm only: (\[preflight\] The system verification failed|KERNEL_VERSION: |OS: Linux$|\[WARNING SystemVerification\])/
  },
  // kubeadm's libraries' klog lines on stderr: kubeadm-ts has no such channel
  { id: "klog-lines", area: "output", pattern: /^warning: kubeadm only: klog: / },
  // `join phase kubelet-wait-bootstrap` on a worker: kubeadm 1.37 asks for admin.conf and stops, leaving
  // bootstrap-kubelet.conf; kubeadm-ts waits for the kubelet as the phase says
  {
    id: "phase-kubelet-wait-bootstrap",
    case: "worker-phases",
    area: "output",
    pattern: /^exit code of command 3: kubeadm 1 vs kubeadm-ts 0$|^progress line: kubeadm-ts only: /
  },
  {
    id: "phase-kubelet-wait-bootstrap",
    case: "worker-phases",
    area: "files",
    pattern: /^etc\/kubernetes\/bootstrap-kubelet\.conf: written by kubeadm only$/
  },
  // `join phase wait-control-plane` takes the control-plane flags and --config in kubeadm-ts; kubeadm 1.37's none
  {
    id: "phase-wait-control-plane-flags",
    case: "control-plane-phases",
    area: "output",
    pattern:
      /^exit code of command 10: kubeadm 1 vs kubeadm-ts 0$|^progress line: kubeadm-ts only: \[(control-plane-check|preflight)\] /
  },
  // bad input found up front (pins, endpoints, patches), where kubeadm goes on to discovery or the phase
  {
    id: "ca-pins-validated",
    area: "failures",
    pattern:
      /^(short CA pin|CA pin of another hash type|CA pin without a type): (exit code: kubeadm no exit within|first error line: kubeadm: \(none\)|error prefix: )/
  },
  {
    id: "endpoint-checked",
    area: "failures",
    pattern:
      /^endpoint with port (0|70000): (exit code: kubeadm no exit within|first error line: kubeadm: \(none\)|error prefix: )/
  },
  {
    id: "patches-read-first",
    area: "failures",
    pattern:
      /^--patches folder that does not exist: (exit code: kubeadm no exit within|first error line: kubeadm: \(none\)|error prefix: )/
  },
  // a certificate key never reaches output: kubeadm quotes the bad value, kubeadm-ts redacts it
  {
    id: "secrets-redacted",
    area: "failures",
    pattern: /^certificate key (not hex|too short): first error line: .*\| kubeadm-ts: .*<redacted>/
  },
  // the new etcd member's wait: timeouts.etcdAPICall, not kubeadm's fixed 40 s
  {
    id: "etcd-wait-timeout",
    area: "output",
    pattern:
      /^progress line: kubeadm: \[etcd\] Waiting for the new etcd member to join the cluster\. This can take up to 40s \| kubeadm-ts: \[etcd\] Waiting for the new etcd member to join the cluster\. This can take up to \S+$/
  },
  // ImagePull: kubeadm pulls the control-plane images in preflight (none can be pulled here); kubeadm-ts does not
  {
    id: "image-pull",
    area: "output",
    pattern:
      /^(progress line|warning): kubeadm only: (\[preflight\] (Pulling images|This might take a minute|You can also perform this action)|\[WARNING ImagePull\]|klog: "PullImage from image service failed"|klog: detected that the sandbox image)/
  }
]

/** The id explaining this difference, if a rule matches and the README carries it. */
export const explain = (area: Area, d: Difference, ids: ReadonlySet<string>, caseName?: string): string | undefined =>
  RULES.find(
    (r) =>
      r.area === area &&
      (r.case === undefined || r.case === caseName) &&
      ids.has(r.id) &&
      r.pattern.test(`${d.name}: ${d.difference}`)
  )?.id
