/** The command surface through the built binary: help, phases, lists, exit codes, version. */
import { afterAll, describe, expect, it } from "vitest"
import { listing, removeDir, runCli, tempDir } from "./run-cli.js"

// Every flag of the seed reference page (kubeadm join v1.15), plus the inherited --rootfs.
const seedFlags = [
  "--apiserver-advertise-address",
  "--apiserver-bind-port",
  "--certificate-key",
  "--config",
  "--control-plane",
  "--cri-socket",
  "--discovery-file",
  "--discovery-token",
  "--discovery-token-ca-cert-hash",
  "--discovery-token-unsafe-skip-ca-verification",
  "--experimental-control-plane",
  "-h, --help",
  "--ignore-preflight-errors",
  "--node-name",
  "--skip-phases",
  "--tls-bootstrap-token",
  "--token",
  "--rootfs"
]
// The 1.15 reference's phases (wider column now: kubelet-wait-bootstrap is the longest name),
// then current kubeadm's, each marked with the cluster versions it runs for.
const phaseLines = [
  "preflight               Run join pre-flight checks",
  "control-plane-prepare   Prepare the machine for serving a control plane",
  "  /download-certs         [EXPERIMENTAL] Download certificates shared among control-plane nodes from the kubeadm-certs Secret",
  "  /certs                  Generate the certificates for the new control plane components",
  "  /kubeconfig             Generate the kubeconfig for the new control plane components",
  "  /control-plane          Generate the manifests for the new control plane components",
  "kubelet-start           Write kubelet settings, certificates and (re)start the kubelet",
  "etcd-join               Join etcd for control plane nodes (clusters 1.33+; 1.31-1.32 with ControlPlaneKubeletLocalMode)",
  "kubelet-wait-bootstrap  Wait for the kubelet to bootstrap itself (clusters 1.33+; 1.31-1.32 with ControlPlaneKubeletLocalMode)",
  "control-plane-join      Join a machine as a control plane instance",
  "  /etcd                   Add a new local etcd member (clusters up to 1.32; 1.33-1.34 without ControlPlaneKubeletLocalMode)",
  "  /update-status          Register the new control-plane node into the ClusterStatus maintained in the kubeadm-config ConfigMap (clusters up to 1.30)",
  "  /mark-control-plane     Mark a node as a control-plane",
  "wait-control-plane      Wait for the control plane to start (clusters 1.34+; 1.30-1.33 with WaitForAllControlPlaneComponents)"
]
// (the version-specific phases ask the cluster whether they run: skipped, they need no cluster)
const allPhases =
  "preflight,control-plane-prepare,check-etcd,kubelet-start,etcd-join,kubelet-wait-bootstrap,control-plane-join,wait-control-plane"
const token = "abcdef.0123456789abcdef"
const pin = "sha256:" + "0a".repeat(32)

const dirs: string[] = []
const root = () => {
  const d = tempDir()
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach(removeDir))

describe("help", () => {
  for (const flag of ["--help", "-h"]) {
    it(`join ${flag} lists every seed flag, the phase table and defaults, without colours`, () => {
      const r = runCli(["join", flag])
      expect(r.code).toBe(0)
      for (const f of seedFlags) expect(r.stdout).toContain(f)
      for (const f of ["--self-tls-bootstrap", "--etcd-learner", "-v"]) expect(r.stdout).toContain(f)
      expect(r.stdout).toContain(`The "join [api-server-endpoint]" command executes the following phases:`)
      expect(r.stdout).toContain(phaseLines.join("\n"))
      expect(r.stdout).toContain("(default 6443)")
      expect(r.stdout).not.toContain("\u001b[")
    })
  }

  it("join phase --help lists all phases; join phase alone prints the same help", () => {
    for (const args of [
      ["join", "phase", "--help"],
      ["join", "phase"]
    ]) {
      const r = runCli(args)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(phaseLines.join("\n"))
      expect(r.stdout).toContain(
        "Available Commands:\n  control-plane-join     Join a machine as a control plane instance\n  control-plane-prepare  Prepare"
      )
      // current kubeadm's phases are commands too, so its command lines work
      for (const name of ["etcd-join", "kubelet-wait-bootstrap", "wait-control-plane"])
        expect(r.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`))
      // the inherited flags, as `join --help` lists them
      expect(r.stdout).toMatch(
        /\nGlobal Flags:\n {6}--rootfs string {3}\[EXPERIMENTAL\][^\n]*\n {2}-v, --v Level {9}number for the log level verbosity\n/
      )
    }
  })

  it("a command-line error shows the command's usage line as its help page does", () => {
    const cases: ReadonlyArray<[ReadonlyArray<string>, string, string]> = [
      [["join", "--bogus"], "kubeadm-ts join [api-server-endpoint] [flags]", "kubeadm-ts join"],
      [["join", "a:1", "b:2"], "kubeadm-ts join [api-server-endpoint] [flags]", "kubeadm-ts join"],
      [
        ["join", "phase", "preflight", "--bogus"],
        "kubeadm-ts join phase preflight [api-server-endpoint] [flags]",
        "kubeadm-ts join phase preflight"
      ],
      [
        ["join", "phase", "control-plane-join", "etcd", "--bogus"],
        "kubeadm-ts join phase control-plane-join etcd [flags]",
        "kubeadm-ts join phase control-plane-join etcd"
      ],
      [["join", "phase", "nope"], "kubeadm-ts join phase [command]", "kubeadm-ts join phase"],
      [["version", "x"], "kubeadm-ts version [flags]", "kubeadm-ts version"]
    ]
    for (const [args, line, command] of cases) {
      const r = runCli(args)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`\nUsage:\n  ${line}\n\nRun '${command} --help' for the flags.\n`)
    }
  })

  it("a parent phase without a sub-phase prints its help", () => {
    const r = runCli(["join", "phase", "control-plane-prepare"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      "Available Commands:\n  all            Prepare the machine for serving a control plane\n  certs "
    )
    expect(r.stdout).toContain("  download-certs [EXPERIMENTAL]")
  })

  it("current kubeadm's phases take its flags: etcd-join as control-plane-join/etcd, kubelet-wait-bootstrap as kubelet-start", () => {
    const etcd = runCli(["join", "phase", "etcd-join", "--help"])
    expect(etcd.code).toBe(0)
    expect(etcd.stdout).toContain("Usage:\n  kubeadm-ts join phase etcd-join [flags]")
    expect(etcd.stdout).toContain("--etcd-learner")
    const wait = runCli(["join", "phase", "kubelet-wait-bootstrap", "--help"])
    expect(wait.code).toBe(0)
    expect(wait.stdout).toContain(
      "Usage:\n  kubeadm-ts join phase kubelet-wait-bootstrap [api-server-endpoint] [flags]"
    )
    expect(wait.stdout).toContain("--self-tls-bootstrap")
    const cp = runCli(["join", "phase", "wait-control-plane", "--help"])
    expect(cp.code).toBe(0)
    expect(cp.stdout).toContain("--apiserver-advertise-address")
  })

  it("a phase's help shows only the flags it takes", () => {
    const r = runCli(["join", "phase", "control-plane-join", "mark-control-plane", "--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Usage:\n  kubeadm-ts join phase control-plane-join mark-control-plane [flags]")
    expect(r.stdout).toContain("      --node-name string ")
    expect(r.stdout).not.toContain("--token")
    expect(r.stdout).toContain("Global Flags:\n      --rootfs string")
  })

  it("the seed's flag lines, aligned in one column as pflag does", () => {
    const r = runCli(["join", "--help"])
    expect(r.stdout).toContain(
      "      --apiserver-bind-port int32                     If the node should host a new control plane instance, the port for the API Server to bind to. (default 6443)"
    )
    expect(r.stdout).toContain("      --discovery-token-ca-cert-hash strings          For token-based discovery")
    expect(r.stdout).toContain("  -h, --help                                          help for join")
  })

  it("kubeadm-ts alone prints the root help", () => {
    const r = runCli([])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Available Commands:\n  ca-cert-hash ")
  })

  it("version", () => {
    const r = runCli(["version"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^kubeadm-ts version: v\d+\.\d+\.\d+\n$/)
  })
})

describe("running the workflow", () => {
  it("skipping every phase succeeds (exit 0), prints the worker banner and writes nothing", () => {
    const dir = root()
    const r = runCli([
      "join",
      "10.0.0.1:6443",
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--skip-phases",
      allPhases,
      "--rootfs",
      dir,
      "--v=1"
    ])
    expect(r.stderr).toContain("[phase] skipping preflight: skipped by --skip-phases")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      "This node has joined the cluster:\n* Certificate signing request was sent to apiserver and a response was received."
    )
    expect(listing(dir)).toEqual([])
  })

  it("control-plane flags without --control-plane warn and are dropped", () => {
    const dir = root()
    const r = runCli([
      "join",
      "10.0.0.1:6443",
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--certificate-key",
      "nothex",
      "--skip-phases",
      allPhases,
      "--rootfs",
      dir
    ])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(
      "[preflight] WARNING: --control-plane is also required when passing control-plane related flags such as [certificate-key, apiserver-advertise-address, apiserver-bind-port]"
    )
  })

  it("--experimental-control-plane prints the deprecation notice and joins a control plane", () => {
    const dir = root()
    const r = runCli([
      "join",
      "10.0.0.1:6443",
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--experimental-control-plane",
      "--skip-phases",
      allPhases,
      "--rootfs",
      dir
    ])
    expect(r.stderr).toContain("Flag --experimental-control-plane has been deprecated, use --control-plane instead")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("This node has joined the cluster and a new control plane instance was created:")
    expect(r.stdout).toContain("\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n")
  })

  it("a control-plane phase is skipped (exit 0) on a worker", () => {
    const dir = root()
    const r = runCli([
      "join",
      "phase",
      "control-plane-prepare",
      "certs",
      "10.0.0.1:6443",
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--rootfs",
      dir,
      "-v",
      "1"
    ])
    expect(r.stderr).toContain("[phase] skipping control-plane-prepare/certs: only with --control-plane")
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain("This node has joined")
  })
})

describe("string-list flags: repetition, comma lists and --flag=value all add up", () => {
  it("--discovery-token-ca-cert-hash", () => {
    const r = runCli([
      "join",
      "--rootfs",
      root(),
      "10.0.0.1:6443",
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      "sha256:aa,sha256:bb",
      "--discovery-token-ca-cert-hash=sha256:cc",
      "--discovery-token-ca-cert-hash",
      pin
    ])
    expect(r.code).toBe(1)
    for (const h of ["sha256:aa", "sha256:bb", "sha256:cc"])
      expect(r.stderr).toContain(`caCertHashes: Invalid value: "${h}"`)
    expect(r.stderr).not.toContain(`Invalid value: "${pin}"`)
  })

  it("--ignore-preflight-errors and --skip-phases", () => {
    const r = runCli([
      "join",
      "--rootfs",
      root(),
      "10.0.0.1:6443",
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--ignore-preflight-errors=Swap,all",
      "--ignore-preflight-errors",
      "IsPrivilegedUser"
    ])
    expect(r.stderr).toContain(`Invalid value: "all,isprivilegeduser,swap"`)
    const skip = runCli([
      "join",
      "--rootfs",
      root(),
      "10.0.0.1:6443",
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--skip-phases=preflight,control-plane-prepare",
      "--skip-phases",
      "check-etcd",
      "--skip-phases=kubelet-start,control-plane-join",
      "--skip-phases=etcd-join,kubelet-wait-bootstrap,wait-control-plane",
      "-v=1"
    ])
    expect(skip.code).toBe(0)
    expect(skip.stderr).toContain("[phase] skipping control-plane-join/mark-control-plane: skipped by --skip-phases")
  })

  it("-- ends the flags", () => {
    const r = runCli(["join", "--rootfs", root(), "--token", token, "--", "--not-a-flag"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`invalid argument "--not-a-flag": [api-server-endpoint] must be host:port`)
  })
})

describe("a mistyped flag carrying a secret", () => {
  const secret = "0123456789abcdef"
  const key = "ab".repeat(32)
  const cases: ReadonlyArray<ReadonlyArray<string>> = [
    ["join", "1.2.3.4:6443", "-token=abcdef." + secret],
    ["join", "1.2.3.4:6443", "-tabcdef." + secret],
    ["join", "1.2.3.4:6443", "---token=abcdef." + secret],
    ["join", "1.2.3.4:6443", "--token=abcdef." + secret, "-certificate-key=" + key],
    ["join", "1.2.3.4:6443", "--control-plane=abcdef." + secret],
    ["-token=abcdef." + secret, "join"],
    ["join", "phase", "preflight", "--", "-abcdef." + secret]
  ]
  for (const args of cases) {
    it(`${args.join(" ").replace(secret, "<secret>").replace(key, "<key>")}: usage error without the secret`, () => {
      const r = runCli(args)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("Error: ")
      expect(r.stdout + r.stderr).not.toContain(secret)
      expect(r.stdout + r.stderr).not.toContain(key)
    })
  }
})
