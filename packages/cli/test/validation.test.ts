/**
 * Validation cases from the spec (join-node §1.4–1.8, §8.3) through the built
 * binary: each exits 1 with its message and leaves its fresh rootfs untouched.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { listing, removeDir, runCli, tempDir } from "./run-cli.js"

const token = "abcdef.0123456789abcdef"
const pin = "sha256:" + "0a".repeat(32)
const ep = "10.0.0.1:6443"
const worker = [ep, "--token", token, "--discovery-token-ca-cert-hash", pin]
const cp = [...worker, "--control-plane"]

const kubeadmConfig = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\n${body}`

interface Case {
  readonly name: string
  /** Arguments after `kubeadm-ts`; `ROOT` is replaced by the fresh rootfs. */
  readonly args: ReadonlyArray<string>
  readonly message: string
  /** Files placed in the rootfs before the run (they must be all that is there afterwards). */
  readonly files?: Record<string, string>
  /** Replaces the default `--rootfs ROOT` (for the rootfs cases themselves). */
  readonly noRootfs?: boolean
}

const cases: ReadonlyArray<Case> = [
  // cobra / pflag level (§8.3)
  { name: "unknown flag", args: ["join", ...worker, "--bogus"], message: "unknown flag: --bogus" },
  { name: "mixed-case flag", args: ["join", ...worker, "--Token", token], message: "unknown flag: --Token" },
  { name: "mixed-case flag with =", args: ["join", ...worker, "--Node-Name=x"], message: "unknown flag: --Node-Name" },
  { name: "flag missing its value", args: ["join", ep, "--token"], message: "flag needs an argument: --token" },
  { name: "shorthand missing its value", args: ["join", ep, "-v"], message: "flag needs an argument: 'v' in -v" },
  { name: "unknown shorthand", args: ["join", ...worker, "-x"], message: "unknown shorthand flag: 'x' in -x" },
  {
    name: "two positional arguments",
    args: ["join", ...worker, "10.0.0.2:6443"],
    message: "accepts at most 1 arg(s), received 2"
  },
  {
    name: "bad int32",
    args: ["join", ...cp, "--apiserver-bind-port=abc"],
    message: `invalid argument "abc" for "--apiserver-bind-port" flag: strconv.ParseInt: parsing "abc": invalid syntax`
  },
  {
    name: "int32 out of range",
    args: ["join", ...cp, "--apiserver-bind-port", "3000000000"],
    message: `parsing "3000000000": value out of range`
  },
  {
    name: "bad bool",
    args: ["join", ...worker, "--control-plane=maybe"],
    message: `invalid argument "maybe" for "--control-plane" flag: strconv.ParseBool: parsing "maybe": invalid syntax`
  },
  { name: "bad flag syntax", args: ["join", ...worker, "---x"], message: "bad flag syntax: ---x" },
  { name: "unknown command", args: ["joint"], message: `unknown command "joint" for "kubeadm-ts"` },
  {
    name: "unknown phase",
    args: ["join", "phase", "nope"],
    message: `unknown command "nope" for "kubeadm-ts join phase"`
  },
  {
    name: "unknown sub-phase",
    args: ["join", "phase", "control-plane-join", "nope"],
    message: `unknown command "nope" for "kubeadm-ts join phase control-plane-join"`
  },
  {
    name: "--skip-phases on a phase command",
    args: ["join", "phase", "preflight", ...worker, "--skip-phases", "x"],
    message: "unknown flag: --skip-phases"
  },
  {
    name: "a flag the phase does not take",
    args: ["join", "phase", "kubelet-start", ...worker, "--control-plane"],
    message: "unknown flag: --control-plane"
  },
  {
    name: "an endpoint for a phase that takes none",
    args: ["join", "phase", "control-plane-join", "mark-control-plane", ep, "--control-plane"],
    message: `unknown command "${ep}" for "kubeadm-ts join phase control-plane-join mark-control-plane"`
  },
  // discovery (§1.4 I, §1.6)
  {
    name: "no discovery at all",
    args: ["join", "--token", token],
    message: `discovery: Invalid value: "": bootstrapToken or file must be set`
  },
  {
    name: "two discovery forms",
    args: ["join", ...worker, "--discovery-file", "/etc/d.conf"],
    files: { "etc/d.conf": "x" },
    message: `discovery: Invalid value: "": bootstrapToken and file cannot both be set`
  },
  {
    name: "malformed token",
    args: ["join", ep, "--token", "abcdef.0123", "--discovery-token-ca-cert-hash", pin],
    message: `discovery.bootstrapToken.token: Invalid value: "abcdef.<redacted>": the bootstrap token is invalid`
  },
  {
    name: "upper-case token",
    args: ["join", ep, "--token", "ABCDEF.0123456789abcdef", "--discovery-token-ca-cert-hash", pin],
    message: "the bootstrap token is invalid"
  },
  {
    name: "token without hash or unsafe flag",
    args: ["join", ep, "--token", token],
    message:
      "using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue"
  },
  {
    name: "short CA hash",
    args: ["join", ep, "--token", token, "--discovery-token-ca-cert-hash", "sha256:abcd"],
    message: `invalid hash "sha256:abcd", expected a 32 byte SHA-256 hash, found 2 bytes`
  },
  {
    name: "non-hex CA hash",
    args: ["join", ep, "--token", token, "--discovery-token-ca-cert-hash", "sha256:" + "zz".repeat(32)],
    message: "could not decode SHA-256 from hex: encoding/hex: invalid byte: U+007A 'z'"
  },
  {
    name: "unknown CA hash format",
    args: ["join", ep, "--token", token, "--discovery-token-ca-cert-hash", "sha1:" + "00".repeat(32)],
    message: `unknown hash format "sha1". Known format(s) are: sha256`
  },
  {
    name: "CA hash without format",
    args: ["join", ep, "--token", token, "--discovery-token-ca-cert-hash", "00".repeat(32)],
    message: `invalid hash, expected "format:hex-value". Known format(s) are: sha256`
  },
  {
    name: "every CA hash is checked (comma list)",
    args: ["join", ep, "--token", token, `--discovery-token-ca-cert-hash=${pin},sha256:beef`],
    message: `discovery.bootstrapToken.caCertHashes: Invalid value: "sha256:beef"`
  },
  {
    name: "endpoint without port",
    args: ["join", "10.0.0.1", "--token", token, "--discovery-token-ca-cert-hash", pin],
    message: `discovery.bootstrapToken.apiServerEndpoint: Invalid value: "10.0.0.1": address 10.0.0.1: missing port in address`
  },
  // Go's SplitHostPort accepts these; they then failed only at connection time (retried for 5 minutes).
  ...["host:", "host:99999", "host:64x3", "[::ffff:10.0.0.1]:"].map((endpoint) => ({
    name: `endpoint ${endpoint}`,
    args: ["join", endpoint, "--token", token, "--discovery-token-ca-cert-hash", pin],
    message: `discovery.bootstrapToken.apiServerEndpoint: Invalid value: "${endpoint}": address ${endpoint}: invalid port "${endpoint.slice(endpoint.lastIndexOf(":") + 1)}" in the api-server-endpoint argument: must be a number from 1 to 65535`
  })),
  {
    name: "endpoint without a host",
    args: ["join", ":6443", "--token", token, "--discovery-token-ca-cert-hash", pin],
    message: `address :6443: missing host in the api-server-endpoint argument`
  },
  {
    name: "endpoint with a space in the host",
    args: ["join", "a b:6443", "--token", token, "--discovery-token-ca-cert-hash", pin],
    message: `address a b:6443: invalid host "a b" in the api-server-endpoint argument`
  },
  // A line break inside a value: @effect/cli said "Invalid subcommand"; now the flag is named.
  {
    name: "line break in --node-name",
    args: ["join", ...worker, "--node-name", "a\nb"],
    message: `invalid argument "a\\nb" for "--node-name" flag: the value contains a line break`
  },
  {
    name: "line break in --cri-socket=",
    args: ["join", ...worker, "--cri-socket=/run/x.sock\n"],
    message: `invalid argument "/run/x.sock\\n" for "--cri-socket" flag: the value contains a line break`
  },
  {
    name: "line break after the token (redacted)",
    args: ["join", ep, "--token", `${token}\r\n`, "--discovery-token-ca-cert-hash", pin],
    message: `invalid argument "abcdef.<redacted>\\r\\n" for "--token" flag: the value contains a line break`
  },
  {
    name: "line break in the endpoint",
    args: ["join", `${ep}\nx`, "--token", token, "--discovery-token-ca-cert-hash", pin],
    message: `invalid argument "10.0.0.1:6443\\nx": the argument contains a line break`
  },
  {
    name: "endpoint with a scheme",
    args: ["join", "https://10.0.0.1:6443", "--token", token, "--discovery-token-ca-cert-hash", pin],
    message: "address https://10.0.0.1:6443: too many colons in address"
  },
  {
    name: "http discovery URL",
    args: ["join", "--discovery-file", "http://example.com/c.conf", "--token", token],
    message: `discovery.file.kubeConfigPath: Invalid value: "http://example.com/c.conf": if a URL is used, the scheme must be https`
  },
  {
    name: "missing discovery file (inside the rootfs)",
    args: ["join", "--discovery-file", "/etc/none.conf", "--token", token],
    message: `discovery.file.kubeConfigPath: Invalid value: "/etc/none.conf": not a valid HTTPS URL or a file on disk`
  },
  {
    name: "bad TLS bootstrap token with file discovery",
    args: ["join", "--discovery-file", "/d.conf", "--tls-bootstrap-token", "nope"],
    files: { "d.conf": "x" },
    message: `discovery.tlsBootstrapToken: Invalid value: "<redacted>": the bootstrap token is invalid`
  },
  {
    name: "several problems are aggregated",
    args: ["join", "10.0.0.1", "--token", "bad"],
    message: `[discovery.bootstrapToken.caCertHashes: Invalid value: "": using token-based discovery`
  },
  // node registration
  {
    name: "node name not a DNS-1123 subdomain",
    args: ["join", ...worker, "--node-name", "my_node"],
    message: `nodeRegistration.name: Invalid value: "my_node": a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`
  },
  {
    name: "node name too long",
    args: ["join", ...worker, "--node-name", "a".repeat(254)],
    message: "must be no more than 253 characters"
  },
  {
    name: "relative CRI socket",
    args: ["join", ...worker, "--cri-socket", "run/containerd.sock"],
    message: `nodeRegistration.criSocket: Invalid value: "run/containerd.sock": path is not absolute: run/containerd.sock`
  },
  {
    name: "CRI socket over tcp",
    args: ["join", ...worker, "--cri-socket", "tcp://10.0.0.1:3735"],
    message: "URL scheme tcp is not supported"
  },
  // control plane
  {
    name: "bind port above 65535",
    args: ["join", ...cp, "--apiserver-bind-port", "70000"],
    message: "controlPlane.localAPIEndpoint.bindPort: Invalid value: 70000: port number is not valid"
  },
  {
    name: "negative bind port",
    args: ["join", ...cp, "--apiserver-bind-port=-1"],
    message: "controlPlane.localAPIEndpoint.bindPort: Invalid value: -1: port number is not valid"
  },
  {
    name: "short certificate key",
    args: ["join", ...cp, "--certificate-key", "abcd"],
    message: "invalid certificate key size 2, the key must be an AES key of size 32"
  },
  {
    name: "non-hex certificate key",
    args: ["join", ...cp, "--certificate-key", "q".repeat(64)],
    message:
      'controlPlane.certificateKey: Invalid value: "<redacted>": certificate key decoding error: encoding/hex: invalid byte at offset 0'
  },
  {
    name: "advertise address not an IP",
    args: ["join", ...cp, "--apiserver-advertise-address", "node-1"],
    message: `couldn't use "node-1" as "apiserver-advertise-address", must be ipv4 or ipv6 address`
  },
  {
    name: "unspecified advertise address",
    args: ["join", ...cp, "--apiserver-advertise-address", "0.0.0.0"],
    message: `cannot use "0.0.0.0" as the bind address for the API Server`
  },
  {
    name: "multicast advertise address",
    args: ["join", ...cp, "--apiserver-advertise-address", "224.0.0.1"],
    message: `cannot use "224.0.0.1" as the bind address for the API Server`
  },
  {
    name: "deprecated alias acts as --control-plane",
    args: ["join", ...worker, "--experimental-control-plane", "--apiserver-bind-port", "0x10000"],
    message: "controlPlane.localAPIEndpoint.bindPort: Invalid value: 65536: port number is not valid"
  },
  // ignore-preflight-errors (§1.7)
  {
    name: "'all' with another check (comma list)",
    args: ["join", ...worker, "--ignore-preflight-errors=all,Swap"],
    message: `ignore-preflight-errors: Invalid value: "all,swap": don't specify individual checks if 'all' is used`
  },
  {
    name: "'all' with another check (repetition)",
    args: ["join", ...worker, "--ignore-preflight-errors", "IsPrivilegedUser", "--ignore-preflight-errors", "ALL"],
    message: `Invalid value: "all,isprivilegeduser": don't specify individual checks if 'all' is used`
  },
  // --config (§1.3, §1.5)
  {
    name: "--config mixed with --token",
    args: ["join", "--config", "/join.yaml", "--token", token, "--control-plane"],
    files: { "join.yaml": kubeadmConfig("") },
    message: "can not mix '--config' with arguments [control-plane token]"
  },
  {
    name: "--config file missing",
    args: ["join", "--config", "/join.yaml"],
    message: `unable to read config from "/join.yaml" : open /join.yaml: no such file or directory`
  },
  {
    name: "--config without a JoinConfiguration",
    args: ["join", "--config", "/join.yaml"],
    files: { "join.yaml": "apiVersion: kubeadm.k8s.io/v1beta2\nkind: InitConfiguration\n" },
    message: "no JoinConfiguration found in the supplied config"
  },
  {
    name: "--config with an old API version",
    args: ["join", "--config", "/join.yaml"],
    files: { "join.yaml": "apiVersion: kubeadm.k8s.io/v1alpha2\nkind: JoinConfiguration\n" },
    message: `your configuration file uses an old API spec: "kubeadm.k8s.io/v1alpha2". Please use kubeadm v1.12 instead`
  },
  {
    name: "--config with a kind twice",
    args: ["join", "--config", "/join.yaml"],
    files: { "join.yaml": kubeadmConfig("") + "---\n" + kubeadmConfig("") },
    message: `invalid configuration: kind "JoinConfiguration" is specified twice in YAML file`
  },
  {
    name: "--config validated like flags",
    args: ["join", "--config", "/join.yaml", "--node-name", "Bad_Name"],
    files: {
      "join.yaml": kubeadmConfig(
        `discovery: {bootstrapToken: {token: ${token}, apiServerEndpoint: "${ep}", unsafeSkipCAVerification: true}}\ncaCertPath: relative/ca.crt\n`
      )
    },
    message: `[nodeRegistration.name: Invalid value: "bad_name"`
  },
  // rootfs and phases
  {
    name: "relative --rootfs",
    noRootfs: true,
    args: ["join", ...worker, "--rootfs", "relative/dir"],
    message: `rootfs path must be an absolute path, got "relative/dir"`
  },
  {
    name: "--rootfs that does not exist",
    noRootfs: true,
    args: ["join", ...worker, "--rootfs", "ROOT/missing"],
    message: `rootfs path "ROOT/missing" is not an existing directory`
  },
  {
    name: "unknown --skip-phases name",
    args: ["join", ...worker, "--skip-phases", "preflight,nope"],
    message: "invalid phase name: nope"
  },
  {
    name: "--skip-phases is case-sensitive",
    args: ["join", ...worker, "--skip-phases", "Preflight"],
    message: "invalid phase name: Preflight"
  },
  {
    name: "control-plane-join phase without discovery nor admin.conf",
    args: ["join", "phase", "control-plane-join", "etcd", "--control-plane"],
    message:
      "File /etc/kubernetes/admin.conf does not exists. Please use 'kubeadm join phase control-plane-prepare' subcommands to generate it."
  },
  { name: "ca-cert-hash without a file", args: ["ca-cert-hash"], message: "accepts 1 arg(s), received 0" },
  {
    name: "ca-cert-hash of a missing file",
    args: ["ca-cert-hash", "ROOT/ca.crt"],
    message: "no such file or directory"
  }
]

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

describe("invalid input through the CLI: exit 1, the message, nothing written", () => {
  it("has at least 40 cases", () => expect(cases.length).toBeGreaterThanOrEqual(40))
  for (const c of cases) {
    it(c.name, () => {
      const root = tempDir()
      dirs.push(root)
      for (const [path, text] of Object.entries(c.files ?? {})) {
        mkdirSync(dirname(join(root, path)), { recursive: true })
        writeFileSync(join(root, path), text)
      }
      const before = listing(root)
      const args = c.args.map((a) => a.replaceAll("ROOT", root))
      // `--rootfs` goes right after `join` (so a flag left without its value stays last), after the phase path otherwise.
      const withRoot =
        c.noRootfs === true || args[0] !== "join"
          ? args
          : args[1] === "phase"
            ? [...args, "--rootfs", root]
            : ["join", "--rootfs", root, ...args.slice(1)]
      const r = runCli(withRoot)
      expect(r.stderr.replaceAll(root, "ROOT")).toContain(c.message)
      expect(r.code).toBe(1)
      expect(listing(root)).toEqual(before)
      expect(listing(join(root, "missing"))).toEqual(["<missing>"])
    })
  }

  it("never shows a token secret or a certificate key", () => {
    const root = tempDir()
    dirs.push(root)
    const r = runCli([
      "join",
      ep,
      "--token",
      "abcdef.SECRETSECRETSECR",
      "--control-plane",
      "--certificate-key",
      "KEYKEY".repeat(10),
      "--rootfs",
      root
    ])
    expect(r.code).toBe(1)
    expect(r.stderr + r.stdout).not.toMatch(/SECRET|KEYKEY/)
  })
})
