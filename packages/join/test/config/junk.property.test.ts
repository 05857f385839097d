/** Junk in, typed result out: flag mapping, loading and decoding never throw. */
import { it } from "@effect/vitest"
import { Either, FastCheck as fc, Predicate } from "effect"
import { stringify } from "yaml"
import { decodeJoinConfiguration } from "../../src/config/decode.js"
import { configFromFlags, defaultJoinFlags, type JoinFlags } from "../../src/config/flags.js"
import { loadJoin } from "../../src/config/load.js"
import { isBootstrapToken } from "../../src/config/formats.js"
import { fakeEnv } from "./env.js"

const flagNames = [
  "config",
  "token",
  "control-plane",
  "node-name",
  "cri-socket",
  "rootfs",
  "v",
  "skip-phases",
  "certificate-key",
  "apiserver-bind-port"
]
const text = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "",
    "abcdef.0123456789abcdef",
    "sha256:" + "a".repeat(64),
    "10.0.0.1:6443",
    "/",
    "file:///x",
    "https://h/x",
    "all"
  )
)

const junkFlags: fc.Arbitrary<JoinFlags> = fc
  .record({
    apiServerEndpoint: fc.option(text, { nil: undefined }),
    config: text,
    token: text,
    discoveryToken: text,
    discoveryTokenCaCertHash: fc.array(text, { maxLength: 3 }),
    discoveryTokenUnsafeSkipCaVerification: fc.boolean(),
    discoveryFile: text,
    tlsBootstrapToken: text,
    nodeName: text,
    criSocket: text,
    ignorePreflightErrors: fc.array(text, { maxLength: 3 }),
    controlPlane: fc.boolean(),
    certificateKey: text,
    apiserverAdvertiseAddress: fc.oneof(text, fc.constantFrom("127.0.1.2", "::1", "fe80::1")),
    apiserverBindPort: fc.integer({ min: -100_000, max: 100_000 }),
    etcdLearner: fc.boolean(),
    skipPhases: fc.array(text, { maxLength: 2 }),
    rootfs: fc.constantFrom("/", "", "relative", "/r"),
    verbosity: fc.integer({ min: 0, max: 10 }),
    selfTlsBootstrap: fc.boolean(),
    changed: fc.subarray(flagNames).map((names) => new Set(names))
  })
  .map((f) => {
    const { apiServerEndpoint, ...rest } = f
    return apiServerEndpoint === undefined
      ? { ...defaultJoinFlags, ...rest }
      : { ...defaultJoinFlags, ...rest, apiServerEndpoint }
  })

const env = fakeEnv({
  "/r/x.conf": "junk: [",
  "/r/j.yaml": "apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\n"
})

it.prop("flags -> model never throws", [junkFlags], ([f]) => {
  configFromFlags(f)
})

it.prop("loading junk flags is a typed error or a valid model", [junkFlags], ([f]) => {
  const r = loadJoin(f, env)
  if (Either.isLeft(r)) return Predicate.isTagged(r.left, "ConfigError") && r.left.message.length > 0
  const { config } = r.right
  const bt = config.discovery.bootstrapToken
  return (
    config.nodeRegistration.name !== "" &&
    (bt === undefined || isBootstrapToken(bt.token)) &&
    (bt === undefined) !== (config.discovery.file === undefined)
  )
})

const junkYaml = fc.oneof(
  fc.string(),
  fc.anything().map((v) => stringify(v)),
  fc
    .record({
      apiVersion: fc.constantFrom("kubeadm.k8s.io/v1beta1", "kubeadm.k8s.io/v1beta2"),
      kind: fc.constant("JoinConfiguration"),
      discovery: fc.anything(),
      nodeRegistration: fc.anything(),
      controlPlane: fc.anything()
    })
    .map((v) => stringify(v))
)

it.prop("decoding junk YAML is a typed error or a model", [junkYaml], ([y]) => {
  const r = decodeJoinConfiguration(y)
  return Either.isLeft(r) ? Predicate.isTagged(r.left, "ConfigError") : typeof r.right.config.caCertPath === "string"
})
