/**
 * Bad inputs, given to both tools on two prepared machines: each must fail, and the exit code
 * and the first error line are compared. Inputs that reach discovery go through a
 * JoinConfiguration with `discovery.timeout: 10s`: kubeadm retries a discovery failure until that
 * timeout (5 min by default), and the same file bounds both tools.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import type { RealClusterService } from "../real/real-cluster.js"
import { MACHINE_FLAGS, toItems } from "./cases.js"
import type { Item, Timing } from "./items.js"
import { makeMachine, type JoinMachine, type ToolRun } from "./machine.js"
import { KLOG_HEADER, normalise, type Side } from "./normalise.js"

/** One bad input: the arguments after the tool's name, and files to put in the root first. */
export interface FailureCase {
  readonly name: string
  readonly args: (cluster: RealClusterService) => ReadonlyArray<string>
  readonly files?: (cluster: RealClusterService) => Readonly<Record<string, string>>
}

/** How long a bad input may run: one that passed validation and reached an unreachable endpoint is cut off. */
const FAILURE_TIMEOUT_MS = 30_000

const EP = "198.51.100.1:6443"
const TOKEN = "abcdef.0123456789abcdef"
const HASH = `sha256:${"a".repeat(64)}`
const KEY = "0123456789abcdef".repeat(4)

const config = (lines: ReadonlyArray<string>) => ({ "srv/join.yaml": [...lines, ""].join("\n") })
const v1beta4 = (cluster: RealClusterService, token: string, hash: string, extra: ReadonlyArray<string> = []) => [
  "apiVersion: kubeadm.k8s.io/v1beta4",
  "kind: JoinConfiguration",
  "discovery:",
  "  bootstrapToken:",
  `    apiServerEndpoint: "${cluster.endpoint}"`,
  `    token: ${token}`,
  `    caCertHashes: ["${hash}"]`,
  "nodeRegistration:",
  "  name: failure",
  "timeouts:",
  "  discovery: 10s",
  ...extra
]

const flags =
  (...args: Array<string>) =>
  () => ["join", ...args]
const real = (cluster: RealClusterService) => [
  "join",
  cluster.endpoint,
  "--token",
  cluster.token,
  "--discovery-token-ca-cert-hash",
  cluster.caCertHash
]

/** The bad inputs: flag validation, --config, discovery, the control-plane key, an already joined machine. */
export const FAILURE_CASES: ReadonlyArray<FailureCase> = [
  { name: "no endpoint, no discovery", args: flags() },
  { name: "endpoint without a token", args: flags(EP) },
  { name: "malformed token", args: flags(EP, "--token", "abc", "--discovery-token-ca-cert-hash", HASH) },
  {
    name: "token with upper case",
    args: flags(EP, "--token", "ABCDEF.0123456789abcdef", "--discovery-token-ca-cert-hash", HASH)
  },
  { name: "no CA pin and no unsafe skip", args: flags(EP, "--token", TOKEN) },
  { name: "short CA pin", args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", "sha256:abcd") },
  {
    name: "CA pin of another hash type",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", `md5:${"a".repeat(32)}`)
  },
  {
    name: "CA pin without a type",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", "a".repeat(64))
  },
  {
    name: "two endpoints",
    args: flags(EP, "198.51.100.2:6443", "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH)
  },
  {
    name: "endpoint without a port",
    args: flags("198.51.100.1", "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH)
  },
  {
    name: "endpoint with port 0",
    args: flags("198.51.100.1:0", "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH)
  },
  {
    name: "endpoint with port 70000",
    args: flags("198.51.100.1:70000", "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH)
  },
  {
    name: "discovery file that does not exist",
    args: flags("--discovery-file", "/srv/missing.conf", "--token", TOKEN)
  },
  {
    name: "discovery file and discovery token",
    args: flags("--discovery-file", "/srv/x.conf", "--discovery-token", TOKEN, EP)
  },
  {
    name: "certificate key not hex",
    args: flags(
      EP,
      "--token",
      TOKEN,
      "--discovery-token-ca-cert-hash",
      HASH,
      "--control-plane",
      "--certificate-key",
      "zz".repeat(32)
    )
  },
  {
    name: "certificate key too short",
    args: flags(
      EP,
      "--token",
      TOKEN,
      "--discovery-token-ca-cert-hash",
      HASH,
      "--control-plane",
      "--certificate-key",
      "abcd"
    )
  },
  {
    name: "advertise address not an IP",
    args: flags(
      EP,
      "--token",
      TOKEN,
      "--discovery-token-ca-cert-hash",
      HASH,
      "--control-plane",
      "--apiserver-advertise-address",
      "not-an-ip"
    )
  },
  {
    name: "bind port 0",
    args: flags(
      EP,
      "--token",
      TOKEN,
      "--discovery-token-ca-cert-hash",
      HASH,
      "--control-plane",
      "--apiserver-bind-port",
      "0"
    )
  },
  {
    name: "bind port 70000",
    args: flags(
      EP,
      "--token",
      TOKEN,
      "--discovery-token-ca-cert-hash",
      HASH,
      "--control-plane",
      "--apiserver-bind-port",
      "70000"
    )
  },
  {
    name: "bind port not a number",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--apiserver-bind-port", "x")
  },
  {
    name: "node name with upper case and _",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--node-name", "Bad_Name")
  },
  {
    name: "node name of 300 characters",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--node-name", "n".repeat(300))
  },
  {
    name: "relative CRI socket",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--cri-socket", "run/x.sock")
  },
  {
    name: "unknown phase in --skip-phases",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--skip-phases", "bogus")
  },
  {
    name: "one unknown of two in --skip-phases",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--skip-phases", "preflight,bogus")
  },
  {
    name: "'all' beside a check name",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--ignore-preflight-errors", "all,Swap")
  },
  { name: "unknown flag", args: flags(EP, "--bogus") },
  { name: "flag without its value", args: flags(EP, "--token") },
  { name: "unknown join phase", args: () => ["join", "phase", "bogus"] },
  { name: "unknown sub-phase", args: () => ["join", "phase", "control-plane-prepare", "bogus"] },
  { name: "--v not a number", args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--v", "abc") },
  {
    name: "--dry-run=maybe",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--dry-run=maybe")
  },
  {
    name: "unsafe skip=maybe",
    args: flags(EP, "--token", TOKEN, "--discovery-token-unsafe-skip-ca-verification=maybe")
  },
  { name: "--config that does not exist", args: flags("--config", "/srv/missing.yaml") },
  { name: "--config not YAML", args: flags("--config", "/srv/join.yaml"), files: () => config(["{ not: [yaml"]) },
  {
    name: "--config of another kind",
    args: flags("--config", "/srv/join.yaml"),
    files: () => config(["apiVersion: kubeadm.k8s.io/v1beta4", "kind: InitConfiguration"])
  },
  {
    name: "--config of an unknown version",
    args: flags("--config", "/srv/join.yaml"),
    files: () => config(["apiVersion: kubeadm.k8s.io/v1alpha1", "kind: JoinConfiguration"])
  },
  {
    name: "--config without discovery",
    args: flags("--config", "/srv/join.yaml"),
    files: () => config(["apiVersion: kubeadm.k8s.io/v1beta4", "kind: JoinConfiguration"])
  },
  {
    name: "--config with a malformed token",
    args: flags("--config", "/srv/join.yaml"),
    files: (c) => config(v1beta4(c, "abc", c.caCertHash))
  },
  {
    name: "--config mixed with --token",
    args: flags("--config", "/srv/join.yaml", "--token", TOKEN),
    files: (c) => config(v1beta4(c, c.token, c.caCertHash))
  },
  {
    name: "--patches folder that does not exist",
    args: flags(EP, "--token", TOKEN, "--discovery-token-ca-cert-hash", HASH, "--patches", "/srv/no-patches")
  },
  {
    name: "wrong CA pin (discovery)",
    args: flags("--config", "/srv/join.yaml"),
    files: (c) => config(v1beta4(c, c.token, HASH))
  },
  {
    name: "unknown token (discovery)",
    args: flags("--config", "/srv/join.yaml"),
    files: (c) => config(v1beta4(c, TOKEN, c.caCertHash))
  },
  {
    name: "known token id, wrong secret (discovery)",
    args: flags("--config", "/srv/join.yaml"),
    files: (c) => config(v1beta4(c, `${c.token.split(".")[0] ?? ""}.0123456789abcdef`, c.caCertHash))
  },
  {
    name: "wrong certificate key",
    args: (c) => [...real(c), "--control-plane", "--certificate-key", KEY, "--node-name", "failure"]
  },
  {
    name: "existing kubelet.conf",
    args: (c) => [...real(c), "--node-name", "failure"],
    files: () => ({ "etc/kubernetes/kubelet.conf": "apiVersion: v1\nkind: Config\n" })
  }
]

/** The first line that says what went wrong: stderr without warnings and klog lines. */
export const firstErrorLine = (stderr: string, side: Side): string =>
  normalise(stderr, side)
    .split("\n")
    .map((l) => l.trim())
    .find(
      (l) =>
        l !== "" &&
        !l.includes("[WARNING") &&
        !KLOG_HEADER.test(l) &&
        !/^(\[preflight\]|Usage:|To see the stack trace)/.test(l)
    ) ?? "(none)"

/** kubeadm 1.37 prints its errors as `error: <message>`; cobra's usage errors read `Error: <message>`. */
export const errorPrefix = (line: string): string => /^(error: |Error: )/.exec(line)?.[1] ?? "(none)"

/** The message without that prefix: the wording compared on its own. */
export const errorMessage = (line: string): string => line.replace(/^(error: |Error: )/, "")

/** Puts a case's files into a machine, and takes back what a run left (a join that succeeded, say). */
const reset = (m: JoinMachine, files: Readonly<Record<string, string>>) => {
  m.kubelet.stop()
  for (const dir of ["etc/kubernetes", "var/lib/kubelet", "srv"])
    rmSync(join(m.root, dir), { recursive: true, force: true })
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(m.root, path)), { recursive: true })
    writeFileSync(join(m.root, path), text)
  }
}

/** Runs every bad input on two machines (one per tool, side by side) and compares exit code and first error line. */
export const runFailures = async (
  cluster: RealClusterService,
  ids: ReadonlySet<string>,
  cases: ReadonlyArray<FailureCase> = FAILURE_CASES
): Promise<{ items: Array<Item>; timing: Timing }> => {
  const a = await makeMachine(cluster, "kubeadm", "kubeadm-failures")
  const b = await makeMachine(cluster, "kubeadm-ts", "kts-failures")
  const side = (m: JoinMachine): Side => ({ nodeName: "failure", address: m.node.network.address })
  const items: Array<Item> = []
  let wallA = 0
  let wallB = 0
  try {
    for (const c of cases) {
      const files = c.files?.(cluster) ?? {}
      reset(a, files)
      reset(b, files)
      // (the machine's own flags too, but for `join phase`, most of whose leaves do not take them)
      const given = c.args(cluster)
      const args = given[1] === "phase" ? given : [...given, ...MACHINE_FLAGS]
      const [ra, rb]: [ToolRun, ToolRun] = await Promise.all([
        a.run(args, { timeoutMs: FAILURE_TIMEOUT_MS }),
        b.run(args, { timeoutMs: FAILURE_TIMEOUT_MS })
      ])
      const exit = (r: ToolRun) => (r.timedOut ? `no exit within ${FAILURE_TIMEOUT_MS / 1000} s` : String(r.code))
      wallA += ra.wallMs
      wallB += rb.wallMs
      const ea = firstErrorLine(ra.stderr, side(a))
      const eb = firstErrorLine(rb.stderr, side(b))
      items.push(
        ...toItems(
          "failures",
          "failures",
          [
            {
              name: `${c.name}: exit code`,
              identical: exit(ra) === exit(rb),
              difference: `kubeadm ${exit(ra)} vs kubeadm-ts ${exit(rb)}`
            },
            {
              name: `${c.name}: first error line`,
              identical: errorMessage(ea) === errorMessage(eb),
              difference: `kubeadm: ${errorMessage(ea)} | kubeadm-ts: ${errorMessage(eb)}`
            },
            {
              name: `${c.name}: error prefix`,
              identical: errorPrefix(ea) === errorPrefix(eb),
              difference: `kubeadm "${errorPrefix(ea)}" vs kubeadm-ts "${errorPrefix(eb)}"`
            }
          ],
          ids
        )
      )
    }
  } finally {
    await a.stop()
    await b.stop()
  }
  return { items, timing: { case: "failures (all inputs)", kubeadmMs: wallA, kubeadmTsMs: wallB } }
}
