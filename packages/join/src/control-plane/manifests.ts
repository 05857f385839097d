/** Writing this node's static Pod manifests: what they take from the host, a schema check, the files. */
import { Effect, Either } from "effect"
import { etcdPod } from "../etcd/pod.js"
import { JoinContext } from "../join-context.js"
import { urlHost } from "../manifests/control-plane-config.js"
import { Host } from "../host/host.js"
import type { ControlPlaneConfig } from "../manifests/control-plane-config.js"
import {
  controlPlanePods,
  EXTRA_CA_DIRS,
  type HostFacts,
  MANIFESTS_DIR,
  noHostFacts,
  type Pod,
  podYaml,
  proxyEnvFrom
} from "../manifests/static-pods.js"
import { Output } from "../output.js"
import { RootFs, type RootFsError } from "../rootfs/rootfs.js"
import type { Json } from "../patches/apply.js"
import { applyPatches, patchTarget, type PatchTargetName } from "../patches/patches.js"
import { ControlPlaneJoinError } from "./errors.js"

/** What the manifests take from this host. */
export const hostFacts: Effect.Effect<HostFacts, RootFsError, RootFs | Host> = Effect.gen(function* () {
  const fs = yield* RootFs
  const host = yield* Host
  const existingCaDirs: string[] = []
  for (const d of EXTRA_CA_DIRS) if (yield* fs.exists(d)) existingCaDirs.push(d)
  return {
    existingCaDirs,
    flexvolumeDirExists: yield* fs.exists("/usr/libexec/kubernetes/kubelet-plugins/volume/exec"),
    proxyEnv: proxyEnvFrom(yield* host.proxyEnv)
  } satisfies HostFacts
})

/** The schema validator's failure (ajv's ValidationError: `validation: true` and the `errors` list). */
const isSchemaViolation = (e: unknown): e is Error =>
  typeof e === "object" &&
  e !== null &&
  (e as { validation?: unknown }).validation === true &&
  Array.isArray((e as { errors?: unknown }).errors)

/**
 * Checks a Pod against the core/v1 OpenAPI schema before it is written (loaded lazily: it is big).
 * Only a schema violation is reported as an invalid manifest; anything else (the module failing
 * to load, a crash) is a defect.
 */
export const validatePod = (pod: Pod): Effect.Effect<void, ControlPlaneJoinError> =>
  Effect.promise(async () => {
    const { Pod: PodModel } = await import("kubernetes-models/v1")
    try {
      new PodModel(pod).validate()
      return undefined
    } catch (e) {
      if (isSchemaViolation(e)) return e
      throw e
    }
  }).pipe(
    Effect.flatMap((violation) =>
      violation === undefined
        ? Effect.void
        : Effect.fail(
            new ControlPlaneJoinError({
              reason: "InvalidManifest",
              component: String((pod.metadata as { name?: string }).name),
              detail: violation.message,
              cause: violation
            })
          )
    )
  )

/** Writes one static Pod manifest (folder 0700, file 0600, as kubeadm), with the join's patches for it applied. */
export const writeManifest = (name: PatchTargetName, given: Pod) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    const pod = (yield* patchTarget(name, given as Json)) as Pod
    yield* validatePod(pod)
    yield* fs.mkdir(MANIFESTS_DIR, 0o700)
    yield* fs.write(`${MANIFESTS_DIR}/${name}.yaml`, podYaml(pod), { mode: 0o600, dirMode: 0o700 })
  })

const externalCAOf = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    return (yield* fs.exists(`${cfg.certificatesDir}/ca.crt`)) && !(yield* fs.exists(`${cfg.certificatesDir}/ca.key`))
  })

/**
 * The join's patches applied, silently, to the static Pods it is about to write (etcd's with
 * this member alone as its initial cluster): a patch that does not apply, or leaves no valid
 * Pod, stops the join in preflight, before any file is written. Nothing to do without patches.
 */
export const checkManifestPatches = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const { options } = yield* JoinContext
    const loaded = options.patches
    if (loaded === undefined) return
    // Only a check: a host fact that cannot be read here fails the real write, with its own error.
    const host = yield* hostFacts.pipe(Effect.orElseSucceed(() => noHostFacts))
    const externalCA = yield* externalCAOf(cfg).pipe(Effect.orElseSucceed(() => false))
    const pods: Array<[string, Pod]> = Object.entries(controlPlanePods(cfg, host, { externalCA }))
    if (cfg.etcd.local) {
      const etcd = etcdPod(
        cfg,
        [{ name: cfg.nodeName, peerURL: `https://${urlHost(cfg.advertiseAddress)}:2380` }],
        host
      )
      if (Either.isRight(etcd)) pods.push(["etcd", etcd.right])
    }
    for (const [name, pod] of pods) {
      const patched = yield* applyPatches(loaded, name as PatchTargetName, pod as Json)
      yield* validatePod(patched.doc as Pod)
    }
  })

/** The three control-plane components' manifests, for this node. */
export const writeControlPlaneManifests = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const out = yield* Output
    const host = yield* hostFacts
    const externalCA = yield* externalCAOf(cfg)
    yield* out.info(`[control-plane] Using manifest folder "${MANIFESTS_DIR}"`)
    for (const [name, pod] of Object.entries(controlPlanePods(cfg, host, { externalCA }))) {
      yield* out.info(`[control-plane] Creating static Pod manifest for "${name}"`)
      yield* writeManifest(name as PatchTargetName, pod)
    }
  })
