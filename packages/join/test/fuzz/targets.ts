/**
 * The decoders of outside input the join has, each as a fuzz target: what a user hands it
 * (--config, --patches) and what a cluster sends it (cluster-info and its JWS, kubeconfigs,
 * kubeadm-certs, the kubelet's ConfigMap). See harness.ts for the rules.
 */
import "reflect-metadata"
import { inspect } from "node:util"
import fc from "fast-check"
import { Cause, Clock, Duration, Effect, Either, Exit, Layer, Predicate } from "effect"
import { decodeJoinConfiguration } from "../../src/config/decode.js"
import { defaultJoinFlags } from "../../src/config/flags.js"
import { loadJoin } from "../../src/config/load.js"
import { downloadCerts } from "../../src/certs-secret/index.js"
import {
  aesGcmSeal,
  createCaCertificate,
  generateKeyPair,
  jwsDetachedSign,
  jwsDetachedVerify,
  privateKeyToPem,
  publicKeyToPem
} from "../../src/crypto/index.js"
import * as crypto from "../../src/crypto/crypto.js"
import { caCertHash } from "../../src/crypto/pin.js"
import { tokenDiscovery } from "../../src/discovery/token.js"
import * as kubeApi from "../../src/kube-api/kube-api.js"
import { KubeApiError, type KubeClient, type Secret } from "../../src/kube-api/kube-api.js"
import { parseKubeconfig, serializeKubeconfig } from "../../src/kubeconfig/kubeconfig.js"
import {
  kubeletConfigFromConfigMap,
  parseKubeletConfiguration,
  patchKubeletConfig,
  withInstanceConfig
} from "../../src/kubelet/files.js"
import { kubeletHealthz } from "../../src/kubelet/wait.js"
import * as joinContext from "../../src/join-context.js"
import { type Pod, podYaml } from "../../src/manifests/static-pods.js"
import * as output from "../../src/output.js"
import type { Json } from "../../src/patches/apply.js"
import { applyPatches, knownTargets, loadPatches, type LoadedPatches } from "../../src/patches/patches.js"
import * as rootfs from "../../src/rootfs/rootfs.js"
import { options as joinOptions, workerConfig } from "../fixtures/config.js"
import { sampleConfig } from "../fixtures/control-plane-config.js"
import { fakeEnv } from "../config/env.js"
import { type Doc, junk, mutatedDoc, mutatedText, textInput, write } from "./generators.js"
import { type FuzzTarget, fuzz, type Outcome, promiseWithinDeadline, replayCorpus, withinDeadline } from "./harness.js"

const registered = <A>(target: FuzzTarget<A>) => ({
  name: target.name,
  register: () => {
    fuzz(target)
    replayCorpus(target)
  }
})

const fail = (why: string, detail?: unknown): never => {
  throw new Error(`${why}${detail === undefined ? "" : `: ${typeof detail === "string" ? detail : inspect(detail)}`}`)
}

/** A Left must be the concern's tagged error with a message; anything else fails the property. */
const typedError = (e: unknown, tag: string): Outcome => {
  if (!Predicate.isTagged(e, tag)) return fail(`expected a ${tag}, got`, e)
  const message = (e as { message?: unknown }).message
  if (typeof message !== "string" || message === "") return fail(`${tag} without a message`)
  return "error"
}

/** An Effect's exit: success is a value; a failure must be one of `tags`; a defect or interruption fails. */
const exitOutcome = <A, E>(exit: Exit.Exit<A, E>, tags: ReadonlyArray<string>, valid: (a: A) => boolean): Outcome =>
  Exit.match(exit, {
    onSuccess: (a) => (valid(a) ? "value" : fail("an invalid value", JSON.stringify(a))),
    onFailure: (cause) => {
      const failure = Cause.failureOption(cause)
      if (failure._tag === "None") return fail("a defect or interruption", Cause.pretty(cause))
      const e = failure.value
      const tag = tags.find((t) => Predicate.isTagged(e, t))
      return tag === undefined ? fail(`expected one of ${tags.join(", ")}, got`, e) : typedError(e, tag)
    }
  })

const runEffect = <A, E>(effect: Effect.Effect<A, E>): Promise<Exit.Exit<A, E>> =>
  promiseWithinDeadline((signal) => Effect.runPromiseExit(effect, { signal }))

const asText = { encode: (s: string) => s, decode: (s: string) => s }
const asJson = <A>() => ({ encode: (a: A) => JSON.stringify(a), decode: (s: string) => JSON.parse(s) as A })

// Certificates the generators put in valid documents: made once per test file.
const caKeys = await generateKeyPair("ecdsa-p256")
const caPem = await createCaCertificate(caKeys, { commonName: "kubernetes" })
const otherKeys = await generateKeyPair("ecdsa-p256")
const otherCaPem = await createCaCertificate(otherKeys, { commonName: "other" })
const caKeyPem = await privateKeyToPem(caKeys.privateKey, "traditional")
// ECDSA, not kubeadm's RSA: the decoder treats both alike, and RSA parsing would dominate the case time
const saKeys = await generateKeyPair("ecdsa-p256")
const saKeyPem = await privateKeyToPem(saKeys.privateKey, "traditional")
const saPubPem = await publicKeyToPem(saKeys.publicKey)
const caPin = caCertHash(caPem)
const b64 = (s: string) => Buffer.from(s).toString("base64")

// ---------------------------------------------------------------------------------------------
// JoinConfiguration, every apiVersion the decoder reads

const token = "abcdef.0123456789abcdef"
const pin = "sha256:" + "ab".repeat(32)
const certificateKey = "0a".repeat(32)
const base = (version: string, extra: Record<string, Doc>): Doc => ({
  apiVersion: `kubeadm.k8s.io/${version}`,
  kind: "JoinConfiguration",
  caCertPath: "/etc/kubernetes/pki/ca.crt",
  discovery: {
    bootstrapToken: { token, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: [pin], unsafeSkipCAVerification: false },
    tlsBootstrapToken: token,
    ...(version === "v1beta4" ? {} : { timeout: "5m0s" })
  },
  nodeRegistration: {
    name: "node-1",
    criSocket: "unix:///var/run/containerd/containerd.sock",
    taints: [{ key: "k", value: "v", effect: "NoSchedule" }],
    kubeletExtraArgs: version === "v1beta4" ? [{ name: "v", value: "2" }] : { v: "2" },
    ...(version === "v1beta1" ? {} : { ignorePreflightErrors: ["Swap"] }),
    ...(version === "v1beta3" || version === "v1beta4" ? { imagePullPolicy: "IfNotPresent" } : {})
  },
  controlPlane: {
    localAPIEndpoint: { advertiseAddress: "10.0.0.2", bindPort: 6443 },
    ...(version === "v1beta1" ? {} : { certificateKey })
  },
  ...extra
})
const joinConfigurations: ReadonlyArray<Doc> = [
  base("v1beta1", {}),
  base("v1beta2", {}),
  base("v1beta3", { skipPhases: ["addon/kube-proxy"], patches: { directory: "/p" } }),
  base("v1beta4", {
    dryRun: false,
    skipPhases: ["preflight"],
    patches: { directory: "/p" },
    timeouts: { discovery: "5m0s", tlsBootstrap: "4m0s", kubernetesAPICall: "1m0s", etcdAPICall: "2m0s" }
  }),
  { ...(base("v1beta2", {}) as Record<string, Doc>), discovery: { file: { kubeConfigPath: "/d.conf" } } },
  { ...(base("v1beta4", {}) as Record<string, Doc>), controlPlane: null }
]

const configEnv = (text: string) =>
  fakeEnv({ "/r/join.yaml": text, "/r/d.conf": "x", "/r/p/etcd.yaml": "spec: {}", "/r/etc/kubernetes/pki/ca.crt": "" })

/** `--config` text: decoded (lenient and strict) and loaded as the join loads it. */
export const joinConfiguration: FuzzTarget<string> = {
  name: "join-configuration",
  arbitrary: textInput(joinConfigurations),
  ...asText,
  check: (text) =>
    withinDeadline(() => {
      const strict = decodeJoinConfiguration(text, { strict: true })
      if (Either.isLeft(strict)) typedError(strict.left, "ConfigError")
      const loaded = loadJoin(
        { ...defaultJoinFlags, rootfs: "/r", config: "/join.yaml", changed: new Set(["config"]) },
        configEnv(text)
      )
      // loadJoin decodes leniently (as join does), then defaults and validates
      if (Either.isLeft(loaded)) return typedError(loaded.left, "ConfigError")
      if (loaded.right.config.nodeRegistration.name === "") fail("a loaded config without a node name")
      if (typeof loaded.right.config.caCertPath !== "string") fail("a loaded config without caCertPath")
      return "value"
    })
}

// ---------------------------------------------------------------------------------------------
// kubeconfig (cluster-info's, --discovery-file's, kubelet.conf)

const kubeconfigDoc = (server: string, ca: string, user: Record<string, Doc>): Doc => ({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name: "kubernetes", cluster: { server, "certificate-authority-data": b64(ca) } }],
  contexts: [{ name: "ctx", context: { cluster: "kubernetes", user: "u", namespace: "default" } }],
  "current-context": "ctx",
  users: [{ name: "u", user }],
  preferences: {}
})
const kubeconfigs: ReadonlyArray<Doc> = [
  kubeconfigDoc("https://10.0.0.1:6443", caPem, { token }),
  kubeconfigDoc("https://[::1]:6443", caPem + otherCaPem, {
    "client-certificate-data": b64(caPem),
    "client-key-data": b64(caKeyPem)
  }),
  kubeconfigDoc("https://h:6443", caPem, { "client-certificate": "/a.crt", "client-key": "../b.key" }),
  {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "", cluster: { server: "https://h", "insecure-skip-tls-verify": true } }]
  }
]

/** A kubeconfig's text: parsed; a parsed one serialises and parses again to the same. */
export const kubeconfig: FuzzTarget<string> = {
  name: "kubeconfig",
  arbitrary: textInput(kubeconfigs),
  ...asText,
  check: (text) =>
    withinDeadline(() => {
      const parsed = parseKubeconfig(text)
      if (Either.isLeft(parsed)) return typedError(parsed.left, "KubeconfigError")
      const again = parseKubeconfig(serializeKubeconfig(parsed.right))
      if (Either.isLeft(again)) fail("a parsed kubeconfig does not parse once written", again.left.message)
      return "value"
    })
}

// ---------------------------------------------------------------------------------------------
// The detached JWS of cluster-info

interface JwsInput {
  readonly content: string
  readonly jws: string
}
const jwsText = fc
  .record({
    content: fc.oneof(fc.string(), fc.constant("apiVersion: v1\nkind: Config\n")),
    header: fc.oneof(
      fc.constant<Doc>({ alg: "HS256", kid: "abcdef" }),
      mutatedDoc([{ alg: "HS256", kid: "abcdef" }, { alg: "none" }]),
      junk
    ),
    shape: fc.constantFrom("signed", "header", "parts", "raw"),
    raw: fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("..", ".", "a..b", "a.b.c", "=.."))
  })
  .map(({ content, header, shape, raw }): JwsInput => {
    const signed = jwsDetachedSign(content, "abcdef", "0123456789abcdef")
    const [, , signature = ""] = signed.split(".")
    const h = Buffer.from(JSON.stringify(header)).toString("base64url")
    switch (shape) {
      case "signed":
        return { content, jws: signed }
      case "header":
        return { content, jws: `${h}..${signature}` }
      case "parts":
        return { content, jws: `${h}.${raw}.${signature}${raw}` }
      default:
        return { content, jws: raw }
    }
  })

/** A JWS from cluster-info: verifies exactly when it is the token's own signature of the content. */
export const jws: FuzzTarget<JwsInput> = {
  name: "jws",
  arbitrary: jwsText,
  ...asJson<JwsInput>(),
  check: ({ content, jws }) =>
    withinDeadline(() => {
      const ok = jwsDetachedVerify(content, jws, "abcdef", "0123456789abcdef")
      if (ok !== (jws === jwsDetachedSign(content, "abcdef", "0123456789abcdef")))
        fail("a JWS verified that is not the token's signature")
      return ok ? "value" : "error"
    })
}

// ---------------------------------------------------------------------------------------------
// cluster-info, through token discovery

interface ClusterInfoInput {
  readonly kubeconfig: string
  /** "signed" (the token's own signature), "missing", "empty", or any other text as the JWS. */
  readonly jws: string
  readonly pins: ReadonlyArray<string>
  readonly changed: boolean
  readonly extra: Readonly<Record<string, string>>
}

const clusterInfos: ReadonlyArray<Doc> = [
  {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "", cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": b64(caPem) } }]
  },
  {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "", cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": b64(caPem + otherCaPem) } }
    ]
  },
  {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "", cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": b64(caKeyPem) } }]
  },
  {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "",
        cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": b64(caPem.replace("A", "B")) }
      }
    ]
  }
]

const clusterInfoInput: fc.Arbitrary<ClusterInfoInput> = fc.record({
  kubeconfig: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...clusterInfos).map((d) => write(d, "yaml")) },
    { weight: 6, arbitrary: mutatedText(clusterInfos) },
    { weight: 1, arbitrary: fc.string() }
  ),
  jws: fc.oneof(
    { weight: 6, arbitrary: fc.constant("signed") },
    { weight: 1, arbitrary: fc.constantFrom("missing", "empty") },
    { weight: 1, arbitrary: fc.string() }
  ),
  pins: fc.oneof(
    fc.constant([caPin]),
    fc.constant([caPin]),
    fc.constant([]),
    fc.constant([pin, caPin]),
    fc.array(
      fc.oneof(fc.constant(pin), fc.string(), fc.constantFrom("sha256:", "sha256:zz", "md5:" + "a".repeat(32))),
      {
        maxLength: 2
      }
    )
  ),
  changed: fc.boolean(),
  extra: fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 })
})

/** Time that jumps a second each time it is read, and sleeps that end at once: discovery's retries finish in microseconds. */
const jumpingClock = (): Clock.Clock => {
  let now = 0
  const tick = () => (now += 1000)
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: tick,
    currentTimeMillis: Effect.sync(tick),
    unsafeCurrentTimeNanos: () => BigInt(tick()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(tick()) * 1_000_000n),
    // the discovery timeout (an hour here) never ends; the pauses between attempts end at once
    sleep: (d) => (Duration.toMillis(d) >= 3_600_000 ? Effect.never : Effect.void)
  }
}

const notFound = (name: string) =>
  new KubeApiError({
    op: `get ${name}`,
    server: "https://10.0.0.1:6443",
    status: 404,
    reason: "NotFound",
    detail: "not found"
  })

/** Every KubeClient method dies unless given. */
const stubClient = (over: Partial<KubeClient>): KubeClient =>
  new Proxy(over, {
    get: (t, p) =>
      p in t ? (t as Record<string | symbol, unknown>)[p] : () => Effect.die(`${String(p)} not used by this target`)
  }) as KubeClient

/** cluster-info as a hostile API server could send it: checked by token discovery with the real Crypto. */
export const clusterInfo: FuzzTarget<ClusterInfoInput> = {
  name: "cluster-info",
  arbitrary: clusterInfoInput,
  ...asJson<ClusterInfoInput>(),
  check: async (input) => {
    const signature =
      input.jws === "signed"
        ? jwsDetachedSign(input.kubeconfig, "abcdef", "0123456789abcdef")
        : input.jws === "empty"
          ? ""
          : input.jws
    const data = (second: boolean): Record<string, string> => ({
      ...input.extra,
      kubeconfig: second && input.changed ? `${input.kubeconfig}\n# changed` : input.kubeconfig,
      ...(input.jws === "missing" ? {} : { "jws-kubeconfig-abcdef": signature })
    })
    let reads = 0
    const client = stubClient({
      server: "https://10.0.0.1:6443",
      getConfigMap: (ns, name) =>
        ns === "kube-public" && name === "cluster-info"
          ? Effect.sync(() => ({ metadata: { name, namespace: ns }, data: data(reads++ > 0) }))
          : Effect.fail(notFound(name))
    })
    const exit = await runEffect(
      tokenDiscovery(
        {
          token,
          apiServerEndpoint: "10.0.0.1:6443",
          caCertHashes: input.pins,
          unsafeSkipCAVerification: input.pins.length === 0
        },
        Duration.hours(2)
      ).pipe(
        Effect.withClock(jumpingClock()),
        Effect.provide(
          Layer.mergeAll(
            kubeApi.layerTest({ client: () => Effect.succeed(client) }),
            crypto.layer,
            output.layerTest({ info: () => Effect.void, warn: () => Effect.void, detail: () => Effect.void })
          )
        )
      )
    )
    return exitOutcome(exit, ["DiscoveryError"], (c) => typeof c.server === "string" && c.caPem.trim() !== "")
  }
}

// ---------------------------------------------------------------------------------------------
// The kubeadm-certs Secret

const certificateKeyHex = "0b".repeat(32)
const secretEntries: Record<string, string> = {
  "ca.crt": caPem,
  "ca.key": caKeyPem,
  "sa.key": saKeyPem,
  "sa.pub": saPubPem,
  "front-proxy-ca.crt": otherCaPem,
  "front-proxy-ca.key": caKeyPem,
  "etcd-ca.crt": caPem,
  "etcd-ca.key": caKeyPem
}

/** How one entry of the Secret is bent. */
type EntryShape =
  | { readonly kind: "sealed" }
  | { readonly kind: "sealedText"; readonly text: string }
  | { readonly kind: "bytes"; readonly base64: string }
  | { readonly kind: "truncated"; readonly at: number }
  | { readonly kind: "flipped"; readonly at: number }
  | { readonly kind: "wrongKey" }
  | { readonly kind: "empty" }
  | { readonly kind: "absent" }

interface SecretInput {
  readonly key: string
  readonly entries: Readonly<Record<string, EntryShape>>
  readonly extra: Readonly<Record<string, string>>
  readonly version: string
}

const entryShape: fc.Arbitrary<EntryShape> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: "sealed" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("sealedText" as const),
      text: fc.oneof(
        fc.string(),
        fc.constantFrom(
          caPem.slice(0, 100),
          `${caPem}${caKeyPem}`,
          caPem.replace(/[A-Z]/, "*"),
          "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"
        )
      )
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("bytes" as const),
      base64: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("base64"))
    })
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncated" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("flipped" as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom({ kind: "wrongKey" as const }, { kind: "empty" as const }, { kind: "absent" as const })
  }
)

const secretInput: fc.Arbitrary<SecretInput> = fc.record({
  key: fc.oneof(
    { weight: 9, arbitrary: fc.constant(certificateKeyHex) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constant("0c".repeat(32)), fc.constant("zz".repeat(32))) }
  ),
  // most entries intact, up to three bent: the checks after the first bad entry are reached too
  entries: fc
    .array(fc.tuple(fc.constantFrom(...Object.keys(secretEntries)), entryShape), { maxLength: 3 })
    .map((bent) => Object.fromEntries(bent)),
  extra: fc.dictionary(
    fc.string(),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("base64")),
    { maxKeys: 2 }
  ),
  version: fc.constantFrom("v1.15.12", "v1.37.2", "junk")
})

const secretOf = (input: SecretInput): Secret => {
  const data: Record<string, Uint8Array> = {}
  for (const [name, b] of Object.entries(input.extra)) data[name] = new Uint8Array(Buffer.from(b, "base64"))
  for (const [name, pem] of Object.entries(secretEntries)) {
    const shape = input.entries[name] ?? { kind: "sealed" }
    const sealed = () => aesGcmSeal(certificateKeyHex, pem)
    switch (shape.kind) {
      case "sealed":
        data[name] = sealed()
        break
      case "sealedText":
        data[name] = aesGcmSeal(certificateKeyHex, shape.text)
        break
      case "bytes":
        data[name] = new Uint8Array(Buffer.from(shape.base64, "base64"))
        break
      case "truncated": {
        const s = sealed()
        data[name] = s.slice(0, shape.at % (s.length + 1))
        break
      }
      case "flipped": {
        const s = sealed()
        const i = shape.at % s.length
        s[i] = (s[i] ?? 0) ^ 1
        data[name] = s
        break
      }
      case "wrongKey":
        data[name] = aesGcmSeal("0d".repeat(32), pem)
        break
      case "empty":
        data[name] = new Uint8Array()
        break
      case "absent":
        break
    }
  }
  return { metadata: { name: "kubeadm-certs", namespace: "kube-system" }, data }
}

/** kubeadm-certs as a hostile cluster could hold it: decrypted and checked, written only when all of it is good. */
export const certsSecret: FuzzTarget<SecretInput> = {
  name: "kubeadm-certs",
  arbitrary: secretInput,
  ...asJson<SecretInput>(),
  check: async (input) => {
    const secret = secretOf(input)
    const client = stubClient({ server: "https://10.0.0.1:6443", getSecret: () => Effect.succeed(secret) })
    const fs = rootfs.fake()
    const exit = await runEffect(
      downloadCerts(sampleConfig({ kubernetesVersion: input.version }), input.key, client).pipe(
        Effect.provide(
          Layer.merge(
            fs.layer,
            output.layerTest({ info: () => Effect.void, warn: () => Effect.void, detail: () => Effect.void })
          )
        )
      )
    )
    const written = [...fs.entries.keys()].filter((p) => fs.entries.get(p)?.kind === "file")
    if (Exit.isFailure(exit) && written.length > 0) fail("a refused Secret left files", written.join(", "))
    return exitOutcome(exit, ["DownloadCertsError", "RootFsError"], (r) => r.written.length > 0)
  }
}

// ---------------------------------------------------------------------------------------------
// The kubelet's ConfigMap (kubelet-config)

const kubeletConfigs: ReadonlyArray<Doc> = [
  {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    cgroupDriver: "systemd",
    clusterDNS: ["10.96.0.10"],
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    authentication: { x509: { clientCAFile: "/etc/kubernetes/pki/ca.crt" }, webhook: { enabled: true } },
    rotateCertificates: true,
    staticPodPath: "/etc/kubernetes/manifests"
  },
  { apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", healthzPort: 0 }
]

const kubeletPatches: LoadedPatches = Either.getOrThrow(
  loadPatches(
    "/p",
    [
      { name: "kubeletconfiguration0+merge.yaml", path: "/p/kubeletconfiguration0+merge.yaml" },
      { name: "kubeletconfiguration1+json.json", path: "/p/kubeletconfiguration1+json.json" },
      { name: "kubeletconfiguration2.yaml", path: "/p/kubeletconfiguration2.yaml" }
    ],
    (p) =>
      Either.right(
        p.endsWith("0+merge.yaml")
          ? "maxPods: 42\nclusterDNS: null\n"
          : p.endsWith("+json.json")
            ? '[{"op": "add", "path": "/serializeImagePulls", "value": false}]'
            : "authentication:\n  webhook:\n    enabled: false\n"
      )
  )
)

interface KubeletConfigInput {
  readonly data: Readonly<Record<string, string>>
  readonly patched: boolean
}

/** The kubelet's ConfigMap from a hostile cluster: checked, patched, merged with the instance config, its healthz read. */
export const kubeletConfig: FuzzTarget<KubeletConfigInput> = {
  name: "kubelet-config",
  arbitrary: fc.record({
    data: fc.oneof(
      { weight: 9, arbitrary: textInput(kubeletConfigs).map((kubelet) => ({ kubelet })) },
      { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }) }
    ),
    patched: fc.boolean()
  }),
  ...asJson<KubeletConfigInput>(),
  check: async (input) => {
    const yaml = withinDeadline(() =>
      kubeletConfigFromConfigMap({ metadata: { name: "kubelet-config" }, data: input.data })
    )
    if (Either.isLeft(yaml)) return typedError(yaml.left, "KubeletError")
    const options = joinOptions(input.patched ? { patches: { ...kubeletPatches, announced: { value: false } } } : {})
    const exit = await runEffect(
      patchKubeletConfig(yaml.right).pipe(
        Effect.provide(
          Layer.merge(
            joinContext.layer(workerConfig(), options),
            output.layerTest({ info: () => Effect.void, warn: () => Effect.void, detail: () => Effect.void })
          )
        )
      )
    )
    const outcome = exitOutcome(exit, ["PatchesError"], (text) => typeof text === "string")
    if (Exit.isSuccess(exit)) {
      withinDeadline(() => {
        const merged = withInstanceConfig(exit.value, "unix:///run/containerd/containerd.sock")
        if (Either.isLeft(parseKubeletConfiguration(merged))) fail("config.yaml as written does not parse")
        const healthz = kubeletHealthz(exit.value)
        if (typeof healthz.address !== "string" || typeof healthz.port !== "number") fail("no healthz endpoint")
      })
    }
    return outcome
  }
}

// ---------------------------------------------------------------------------------------------
// --patches files

interface PatchFileInput {
  readonly name: string
  readonly content: string
}

const patchDocs: ReadonlyArray<Doc> = [
  { spec: { containers: [{ name: "kube-apiserver", resources: { requests: { cpu: "300m" } } }] } },
  { metadata: { annotations: { a: "b" } }, spec: { containers: [{ name: "etcd", $patch: "delete" }] } },
  [
    { op: "add", path: "/metadata/labels", value: { a: "b" } },
    { op: "replace", path: "/spec/containers/0/image", value: "x" },
    { op: "remove", path: "/spec/hostNetwork" },
    { op: "move", from: "/metadata/name", path: "/metadata/generateName" },
    { op: "copy", from: "/spec", path: "/spec2" },
    { op: "test", path: "/kind", value: "Pod" }
  ],
  { maxPods: 10, authentication: null, "$setElementOrder/containers": [{ name: "etcd" }] }
]

const patchName = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...knownTargets),
        fc.constantFrom("", "0", "-x", "+json", "+merge", "+strategic", "+", "+bogus"),
        fc.constantFrom(".yaml", ".json", ".yml", "")
      )
      .map(([t, s, e]) => t + s + e)
  },
  { weight: 1, arbitrary: fc.string() }
)

const pod: Json = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "kube-apiserver", namespace: "kube-system", labels: { tier: "control-plane" } },
  spec: {
    hostNetwork: true,
    containers: [
      {
        name: "kube-apiserver",
        image: "registry.k8s.io/kube-apiserver:v1.37.2",
        command: ["kube-apiserver"],
        env: [{ name: "A", value: "1" }]
      },
      { name: "etcd", image: "e", ports: [{ containerPort: 2379, protocol: "TCP" }] }
    ],
    volumes: [{ name: "k8s-certs", hostPath: { path: "/etc/kubernetes/pki" } }]
  }
}

/** A `--patches` folder's files: names and contents read and checked, then applied to every target. */
export const patches: FuzzTarget<ReadonlyArray<PatchFileInput>> = {
  name: "patches",
  arbitrary: fc.array(fc.record({ name: patchName, content: textInput(patchDocs) }), { minLength: 1, maxLength: 3 }),
  ...asJson<ReadonlyArray<PatchFileInput>>(),
  check: (files) =>
    withinDeadline(() => {
      const byPath = new Map(files.map((f, i) => [`/p/${String(i)}/${f.name}`, f.content]))
      const loaded = loadPatches(
        "/p",
        files.map((f, i) => ({ name: f.name, path: `/p/${String(i)}/${f.name}` })),
        (p) => Either.right(byPath.get(p) ?? "")
      )
      if (Either.isLeft(loaded)) return typedError(loaded.left, "PatchesError")
      let outcome: Outcome = "value"
      for (const target of knownTargets) {
        const applied = applyPatches(loaded.right, target, target === "kubeletconfiguration" ? { maxPods: 110 } : pod)
        if (Either.isLeft(applied)) outcome = typedError(applied.left, "PatchesError")
        else if (target === "kubeletconfiguration") JSON.stringify(applied.right.doc)
        else podYaml(applied.right.doc as Pod)
      }
      return outcome
    })
}

/** Every target of the join package; `register` adds its tests (the fuzz run, then its corpus). */
export const joinTargets: ReadonlyArray<{ readonly name: string; readonly register: () => void }> = [
  registered(joinConfiguration),
  registered(kubeconfig),
  registered(jws),
  registered(clusterInfo),
  registered(certsSecret),
  registered(kubeletConfig),
  registered(patches)
]
