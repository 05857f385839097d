/** The `control-plane-prepare/control-plane` phase: generate the static Pod manifests for the new control plane components. */
import { Effect } from "effect"
import type { ControlPlaneConfig } from "../manifests/control-plane-config.js"
import { controlPlanePods, EXTRA_CA_DIRS, type HostFacts, MANIFESTS_DIR, type Pod, podYaml, proxyEnvFrom } from "../manifests/static-pods.js"
import { Output } from "../output.js"
import { RootFs } from "../rootfs/index.js"
import { ControlPlaneJoinError, controlPlaneConfig } from "./control-plane-shared.js"

/** What the manifests take from this host. */
export const hostFacts = Effect.gen(function* () {
  const fs = yield* RootFs
  const existingCaDirs: string[] = []
  for (const d of EXTRA_CA_DIRS) if (yield* fs.exists(d)) existingCaDirs.push(d)
  return {
    existingCaDirs,
    flexvolumeDirExists: yield* fs.exists("/usr/libexec/kubernetes/kubelet-plugins/volume/exec"),
    proxyEnv: proxyEnvFrom(process.env)
  } satisfies HostFacts
})

/** The schema validator's failure (ajv's ValidationError: `validation: true` and the `errors` list). */
const isSchemaViolation = (e: unknown): e is Error =>
  e instanceof Error && (e as { validation?: unknown }).validation === true && Array.isArray((e as { errors?: unknown }).errors)

/**
 * Checks a Pod against the core/v1 OpenAPI schema before it is written (loaded lazily: it is big).
 * Only a schema violation is reported as an invalid manifest; anything else (the module failing
 * to load, a crash) is a defect.
 */
export const validatePod = (pod: Pod) =>
  Effect.tryPromise({
    try: async () => {
      const { Pod: PodModel } = await import("kubernetes-models/v1")
      new PodModel(pod as never).validate()
    },
    catch: (e) => e
  }).pipe(
    Effect.catchAll((e) =>
      isSchemaViolation(e)
        ? Effect.fail(new ControlPlaneJoinError({ message: `the generated manifest for "${String((pod.metadata as { name?: string }).name)}" is not a valid Pod: ${e.message}` }))
        : Effect.die(e)
    )
  )

/** Writes one static Pod manifest (folder 0700, file 0600, as kubeadm). */
export const writeManifest = (name: string, pod: Pod) =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    yield* validatePod(pod)
    yield* fs.mkdir(MANIFESTS_DIR, 0o700)
    yield* fs.write(`${MANIFESTS_DIR}/${name}.yaml`, podYaml(pod), { mode: 0o600, dirMode: 0o700 })
  })

export const writeControlPlaneManifests = (cfg: ControlPlaneConfig) =>
  Effect.gen(function* () {
    const out = yield* Output
    const fs = yield* RootFs
    const host = yield* hostFacts
    const externalCA = (yield* fs.exists(`${cfg.certificatesDir}/ca.crt`)) && !(yield* fs.exists(`${cfg.certificatesDir}/ca.key`))
    yield* out.info(`[control-plane] Using manifest folder "${MANIFESTS_DIR}"`)
    for (const [name, pod] of Object.entries(controlPlanePods(cfg, host, { externalCA }))) {
      yield* out.info(`[control-plane] Creating static Pod manifest for "${name}"`)
      yield* writeManifest(name, pod)
    }
  })

export const run = Effect.flatMap(controlPlaneConfig, writeControlPlaneManifests)
