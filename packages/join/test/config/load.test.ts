import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { controlPlaneFlagsIgnoredWarning, type JoinFlags } from "../../src/config/flags.js"
import { loadJoin } from "../../src/config/load.js"
import { fakeEnv, flags, pin, token } from "./env.js"

const ok = (f: JoinFlags, env = fakeEnv()) => {
  const r = loadJoin(f, env)
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const bad = (f: JoinFlags, env = fakeEnv()) => {
  const r = loadJoin(f, env)
  if (Either.isRight(r)) throw new Error("expected a ConfigError")
  return r.left
}
const worker = { apiServerEndpoint: "10.0.0.1:6443", token, discoveryTokenCaCertHash: [pin] }

describe("loadJoin: flags", () => {
  it("fans --token out, defaults the node name from the host name", () => {
    const { config, options, warnings } = ok(flags(worker, ["token", "discovery-token-ca-cert-hash"]))
    expect(config.discovery.bootstrapToken).toEqual({
      token,
      apiServerEndpoint: "10.0.0.1:6443",
      caCertHashes: [pin],
      unsafeSkipCAVerification: false
    })
    expect(config.discovery.tlsBootstrapToken).toBe(token)
    expect(config.discovery.file).toBeUndefined()
    expect(config.nodeRegistration.name).toBe("worker-1")
    expect(config.nodeRegistration.criSocket).toBe("")
    expect(config.caCertPath).toBe("/etc/kubernetes/pki/ca.crt")
    expect(config.controlPlane).toBeUndefined()
    expect(options).toEqual({ rootfs: "/", skipPhases: [], selfTlsBootstrap: false, verbosity: 0, dryRun: false })
    expect(warnings).toEqual([])
  })

  it("--dry-run alone asks for a dry run", () => {
    const { options } = ok(flags({ ...worker, dryRun: true }, ["token", "discovery-token-ca-cert-hash", "dry-run"]))
    expect(options.dryRun).toBe(true)
  })

  it("never lets --token override explicit tokens", () => {
    const other = "zzzzzz.0123456789abcdef"
    const { config } = ok(flags({ ...worker, discoveryToken: other, tlsBootstrapToken: "yyyyyy.0123456789abcdef" }))
    expect(config.discovery.bootstrapToken?.token).toBe(other)
    expect(config.discovery.tlsBootstrapToken).toBe("yyyyyy.0123456789abcdef")
  })

  it("seeds the TLS bootstrap token from --discovery-token even with file discovery", () => {
    const env = fakeEnv({ "/d.conf": "x" })
    const { config } = ok(flags({ discoveryFile: "/d.conf", discoveryToken: token }), env)
    expect(config.discovery.bootstrapToken).toBeUndefined()
    expect(config.discovery.tlsBootstrapToken).toBe(token)
  })

  it("drops control-plane flags without --control-plane, with current kubeadm's warning", () => {
    const { config, warnings } = ok(flags({ ...worker, certificateKey: "a".repeat(64) }, ["certificate-key"]))
    expect(config.controlPlane).toBeUndefined()
    expect(warnings).toEqual([controlPlaneFlagsIgnoredWarning])
  })

  it("builds the control plane with bind port, key and learner mode; taints stay unset", () => {
    const { config } = ok(
      flags({
        ...worker,
        controlPlane: true,
        certificateKey: "A".repeat(64),
        apiserverAdvertiseAddress: "127.0.1.2",
        etcdLearner: true
      })
    )
    expect(config.controlPlane).toEqual({
      localAPIEndpoint: { advertiseAddress: "127.0.1.2", bindPort: 6443 },
      certificateKey: "A".repeat(64),
      etcdLearnerMode: true
    })
    expect(config.nodeRegistration.taints).toBeUndefined()
  })

  it("merges ignore-preflight-errors lower-cased and sorted; 'all' alone is fine", () => {
    expect(
      ok(flags({ ...worker, ignorePreflightErrors: ["Swap", "IsPrivilegedUser", "swap"] })).config.nodeRegistration
        .ignorePreflightErrors
    ).toEqual(["isprivilegeduser", "swap"])
    expect(
      ok(flags({ ...worker, ignorePreflightErrors: ["ALL"] })).config.nodeRegistration.ignorePreflightErrors
    ).toEqual(["all"])
    expect(bad(flags({ ...worker, ignorePreflightErrors: ["all", "Swap"] })).message).toBe(
      `ignore-preflight-errors: Invalid value: "all,swap": don't specify individual checks if 'all' is used`
    )
  })
})

describe("loadJoin: validation (aggregated, kubeadm's field paths)", () => {
  const cases: Array<[string, Partial<JoinFlags>, string]> = [
    ["no discovery", { token }, `discovery: Invalid value: "": bootstrapToken or file must be set`],
    [
      "malformed token",
      { ...worker, token: "abc.def" },
      `[discovery.bootstrapToken.token: Invalid value: "abc.<redacted>": the bootstrap token is invalid, discovery.tlsBootstrapToken: Invalid value: "abc.<redacted>": the bootstrap token is invalid]`
    ],
    [
      "missing pin",
      { apiServerEndpoint: "10.0.0.1:6443", token },
      "using token-based discovery without caCertHashes can be unsafe"
    ],
    [
      "short pin",
      { ...worker, discoveryTokenCaCertHash: ["sha256:abcd"] },
      `discovery.bootstrapToken.caCertHashes: Invalid value: "sha256:abcd": invalid hash "sha256:abcd", expected a 32 byte SHA-256 hash, found 2 bytes`
    ],
    [
      "unknown pin format",
      { ...worker, discoveryTokenCaCertHash: ["md5:" + "a".repeat(64)] },
      `unknown hash format "md5". Known format(s) are: sha256`
    ],
    [
      "pin without format",
      { ...worker, discoveryTokenCaCertHash: ["a".repeat(64)] },
      `invalid hash, expected "format:hex-value". Known format(s) are: sha256`
    ],
    [
      "non-hex pin",
      { ...worker, discoveryTokenCaCertHash: ["sha256:" + "g".repeat(64)] },
      `could not decode SHA-256 from hex: encoding/hex: invalid byte: U+0067 'g'`
    ],
    [
      "endpoint without port",
      { ...worker, apiServerEndpoint: "10.0.0.1" },
      `discovery.bootstrapToken.apiServerEndpoint: Invalid value: "10.0.0.1": address 10.0.0.1: missing port in address`
    ],
    [
      "endpoint with scheme",
      { ...worker, apiServerEndpoint: "https://h:6443" },
      `address https://h:6443: too many colons in address`
    ],
    [
      "bad node name",
      { ...worker, nodeName: "under_score" },
      `nodeRegistration.name: Invalid value: "under_score": a DNS-1123 subdomain must consist of lower case alphanumeric characters`
    ],
    [
      "relative CRI socket",
      { ...worker, criSocket: "var/run/x.sock" },
      `nodeRegistration.criSocket: Invalid value: "var/run/x.sock": path is not absolute: var/run/x.sock`
    ],
    [
      "tcp CRI socket",
      { ...worker, criSocket: "tcp://1.2.3.4:1" },
      `nodeRegistration.criSocket: Invalid value: "tcp://1.2.3.4:1": URL scheme tcp is not supported`
    ],
    [
      "bind port range",
      { ...worker, controlPlane: true, apiserverBindPort: 70000 },
      `controlPlane.localAPIEndpoint.bindPort: Invalid value: 70000: port number is not valid`
    ],
    [
      "short certificate key",
      { ...worker, controlPlane: true, certificateKey: "abcd" },
      `controlPlane.certificateKey: Invalid value: "<redacted>": invalid certificate key size 2, the key must be an AES key of size 32`
    ],
    [
      "non-hex certificate key",
      { ...worker, controlPlane: true, certificateKey: "x".repeat(64) },
      `certificate key decoding error: encoding/hex: invalid byte at offset 0`
    ],
    [
      "advertise address not an IP",
      { ...worker, controlPlane: true, apiserverAdvertiseAddress: "my-host" },
      `couldn't use "my-host" as "apiserver-advertise-address", must be ipv4 or ipv6 address`
    ],
    [
      "unspecified advertise address",
      { ...worker, controlPlane: true, apiserverAdvertiseAddress: "0.0.0.0" },
      `cannot use "0.0.0.0" as the bind address for the API Server`
    ],
    [
      "http discovery URL",
      { discoveryFile: "http://h/c.conf" },
      `discovery.file.kubeConfigPath: Invalid value: "http://h/c.conf": if a URL is used, the scheme must be https`
    ],
    [
      "missing discovery file",
      { discoveryFile: "/nope.conf" },
      `discovery.file.kubeConfigPath: Invalid value: "/nope.conf": not a valid HTTPS URL or a file on disk`
    ],
    ["relative rootfs", { ...worker, rootfs: "tmp/x" }, `rootfs path must be an absolute path`],
    [
      "missing rootfs",
      { ...worker, rootfs: "/does/not/exist" },
      `rootfs path "/does/not/exist" is not an existing directory`
    ]
  ]
  for (const [name, given, message] of cases) {
    it(name, () => expect(bad(flags(given)).message).toContain(message))
  }

  it("never prints a token secret or a certificate key", () => {
    const secret = "0123456789abcdeX"
    const e = bad(flags({ ...worker, token: `abcdef.${secret}`, controlPlane: true, certificateKey: "Z".repeat(64) }))
    expect(e.message).not.toContain(secret)
    expect(e.message).not.toContain("Z".repeat(64))
    expect(e.problems?.length).toBeGreaterThanOrEqual(3)
  })

  it("names the field and the flag of the first problem", () => {
    const e = bad(flags({ ...worker, controlPlane: true, apiserverBindPort: 0x10000 }))
    expect(e.field).toBe("controlPlane.localAPIEndpoint.bindPort")
    expect(e.flag).toBe("apiserver-bind-port")
  })

  it("reports an empty host name", () => {
    expect(bad(flags(worker), fakeEnv({}, "  ")).message).toBe("empty hostname is invalid")
  })
})

describe("loadJoin: --config", () => {
  const file = `apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
discovery:
  bootstrapToken: {token: ${token}, apiServerEndpoint: "10.0.0.1:6443", unsafeSkipCAVerification: true}
nodeRegistration: {name: From-File, ignorePreflightErrors: [Swap]}
`
  const env = fakeEnv({ "/r/join.yaml": file })

  it("reads the file inside the rootfs; node name and CRI socket flags override it", () => {
    const { config } = ok(
      flags({ config: "join.yaml", rootfs: "/r", criSocket: "/run/containerd/containerd.sock" }, [
        "config",
        "rootfs",
        "cri-socket"
      ]),
      env
    )
    expect(config.discovery.bootstrapToken?.apiServerEndpoint).toBe("10.0.0.1:6443")
    expect(config.nodeRegistration.name).toBe("from-file")
    expect(config.nodeRegistration.criSocket).toBe("/run/containerd/containerd.sock")
    const e = bad(
      flags({ config: "join.yaml", rootfs: "/r", ignorePreflightErrors: ["all"] }, [
        "config",
        "rootfs",
        "ignore-preflight-errors"
      ]),
      env
    )
    expect(e.message).toContain(`Invalid value: "all,swap"`)
  })

  it("applies --etcd-learner to a control plane from the file", () => {
    const cpFile = fakeEnv({ "/r/join.yaml": file + "controlPlane: {}\n" })
    const { config } = ok(
      flags({ config: "join.yaml", rootfs: "/r", etcdLearner: true }, ["config", "rootfs", "etcd-learner"]),
      cpFile
    )
    expect(config.controlPlane?.etcdLearnerMode).toBe(true)
    expect(config.controlPlane?.localAPIEndpoint.bindPort).toBe(6443)
  })

  it("refuses other flags with --config, sorted by name", () => {
    expect(
      bad(flags({ config: "join.yaml", rootfs: "/r" }, ["config", "token", "control-plane", "skip-phases", "v"]), env)
        .message
    ).toBe("can not mix '--config' with arguments [control-plane token]")
  })

  it("says when the file is missing", () => {
    expect(bad(flags({ config: "/missing.yaml" }, ["config"]), env).message).toBe(
      `unable to read config from "/missing.yaml" : open /missing.yaml: no such file or directory`
    )
  })
})

describe("loadJoin: phases that work from admin.conf (spec §1.4 H)", () => {
  it("uses <rootfs>/etc/kubernetes/admin.conf as file discovery when no discovery is given", () => {
    const env = fakeEnv({ "/r/etc/kubernetes/admin.conf": "x" })
    const { config } = ok(flags({ rootfs: "/r", controlPlane: true, phase: "control-plane-join/etcd" }), env)
    expect(config.discovery.file?.kubeConfigPath).toBe("/etc/kubernetes/admin.conf")
    expect(config.discovery.bootstrapToken).toBeUndefined()
  })
  it("says how to create admin.conf when it is missing", () => {
    expect(bad(flags({ controlPlane: true, phase: "control-plane-join" })).message).toBe(
      "File /etc/kubernetes/admin.conf does not exists. Please use 'kubeadm join phase control-plane-prepare' subcommands to generate it."
    )
  })
  it("leaves other phases alone", () => {
    expect(bad(flags({ controlPlane: true, phase: "preflight" })).message).toContain(
      "bootstrapToken or file must be set"
    )
  })
})

describe("loadJoin: --patches", () => {
  const withPatches = (files: Record<string, string>, rootfs = "/") =>
    loadJoin(flags({ ...worker, patches: "/patches", rootfs }, ["token", "patches"]), fakeEnv(files))

  it("reads the folder inside --rootfs, sub-folders walked in name order", () => {
    const r = withPatches(
      {
        "/r/patches/kubeletconfiguration.yaml": "maxPods: 50\n",
        "/r/patches/a/etcd+json.json": '[{"op":"add","path":"/metadata/labels","value":{}}]',
        "/r/patches/README.md": "notes"
      },
      "/r"
    )
    if (Either.isLeft(r)) throw new Error(r.left.message)
    expect(r.right.config.patchesDirectory).toBe("/patches")
    expect(r.right.options.patches?.patchSets.map((s) => [s.file, s.target])).toEqual([
      ["etcd+json.json", "etcd"],
      ["kubeletconfiguration.yaml", "kubeletconfiguration"]
    ])
  })

  it("refuses a bad file before anything runs, naming the flag and the file", () => {
    const e = bad(
      flags({ ...worker, patches: "/patches" }, ["token", "patches"]),
      fakeEnv({ "/patches/kube-apiserver+strategy.yaml": "a: b\n" })
    )
    expect(e.flag).toBe("patches")
    expect(e.message).toBe(
      `could not list patch files for path "/patches": file "kube-apiserver+strategy.yaml": unknown or missing patch type after '+', must be one of [json merge strategic]`
    )
    const yaml = withPatches({ "/patches/kube-scheduler.yaml": "a: [\n" })
    expect(Either.isLeft(yaml) && yaml.left.message).toContain(
      'file "kube-scheduler.yaml": could not convert patch to JSON'
    )
  })

  it("refuses a file given as the folder", () => {
    const e = withPatches({ "/patches": "x" })
    expect(Either.isLeft(e) && e.left.message).toBe(
      'could not list patch files for path "/patches": getPatchSetsFromPath patches: not a directory'
    )
  })

  it("cannot be mixed with --config, as kubeadm", () => {
    const e = bad(flags({ config: "/join.yaml", patches: "/p" }, ["config", "patches"]), fakeEnv({ "/join.yaml": "" }))
    expect(e.message).toBe("can not mix '--config' with arguments [patches]")
  })
})
