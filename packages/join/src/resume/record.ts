/**
 * Resuming a join that was killed or failed (beyond kubeadm, which needs `kubeadm reset`).
 *
 * Just before its first change to the machine (after preflight, which changes nothing), the
 * join writes a record of who it is (node name, discovery endpoint or file, CA pins, token
 * ID, control-plane address: no secret) to `RESUME_RECORD`. Everything the join writes after
 * that is its own work. A later run
 * whose record is the same is the same join for the same cluster: the preflight checks its
 * own files, folders and listeners trip (FileAvailable, DirAvailable, Port) no longer
 * fail; they are listed as what it resumes. A full join that succeeds removes the record,
 * so running it again afterwards is refused in preflight, as kubeadm does.
 */
import { type Check, CheckOutcome } from "@kubeadm-ts/workflow"
import { Effect, Layer, Option } from "effect"
import type { JoinConfiguration } from "../config/model.js"
import { MANIFESTS_DIR } from "../manifests/static-pods.js"
import { RootFs, type RootFsService } from "../rootfs/rootfs.js"

/** Where the record of a join in progress lives (inside --rootfs). */
export const RESUME_RECORD = "/var/lib/kubeadm-ts/join-in-progress.json"

/** Who a join is: equal for the same command line against the same cluster. */
export interface JoinIdentity {
  readonly nodeName: string
  readonly discovery: string
  readonly caCertHashes: ReadonlyArray<string>
  readonly tokenId: string
  readonly controlPlane: { readonly advertiseAddress: string; readonly bindPort: number } | null
}

/** What the record file holds. */
export interface ResumeRecord extends JoinIdentity {
  readonly kind: "KubeadmTsJoinInProgress"
  readonly startedAt: string
}

/** The identity of the join `config` describes (the token's secret half is never kept). */
export const joinIdentity = (config: JoinConfiguration): JoinIdentity => {
  const token = config.discovery.bootstrapToken
  return {
    nodeName: config.nodeRegistration.name,
    discovery: token?.apiServerEndpoint ?? config.discovery.file?.kubeConfigPath ?? "",
    caCertHashes: [...(token?.caCertHashes ?? [])].sort(),
    tokenId: (token?.token ?? config.discovery.tlsBootstrapToken).split(".")[0] ?? "",
    controlPlane:
      config.controlPlane === undefined
        ? null
        : {
            advertiseAddress: config.controlPlane.localAPIEndpoint.advertiseAddress,
            bindPort: config.controlPlane.localAPIEndpoint.bindPort
          }
  }
}

const sameIdentity = (a: JoinIdentity, b: JoinIdentity) =>
  a.nodeName === b.nodeName &&
  a.discovery === b.discovery &&
  a.tokenId === b.tokenId &&
  a.caCertHashes.join(",") === b.caCertHashes.join(",") &&
  JSON.stringify(a.controlPlane) === JSON.stringify(b.controlPlane)

const decode = (text: string): ResumeRecord | undefined => {
  try {
    const v = JSON.parse(text) as Partial<ResumeRecord> | null
    return v?.kind === "KubeadmTsJoinInProgress" &&
      typeof v.nodeName === "string" &&
      typeof v.discovery === "string" &&
      typeof v.tokenId === "string" &&
      typeof v.startedAt === "string" &&
      Array.isArray(v.caCertHashes)
      ? (v as ResumeRecord)
      : undefined
  } catch {
    return undefined
  }
}

/** The record an earlier run of this same join left, if any (an unreadable or foreign one is none). */
export const earlierRun = (config: JoinConfiguration): Effect.Effect<Option.Option<ResumeRecord>, never, RootFs> =>
  Effect.gen(function* () {
    const fs = yield* RootFs
    if (!(yield* Effect.orElseSucceed(fs.exists(RESUME_RECORD), () => false))) return Option.none()
    const text = yield* Effect.option(fs.readText(RESUME_RECORD, { maxBytes: 64 * 1024 }))
    const record = Option.flatMap(text, (t) => Option.fromNullable(decode(t)))
    return Option.filter(record, (r) => sameIdentity(r, joinIdentity(config)))
  })

/** The record of this join: its identity, started now or when `earlier` (the same join) started. */
const recordText = (config: JoinConfiguration, earlier: Option.Option<ResumeRecord>) => {
  const record: ResumeRecord = {
    kind: "KubeadmTsJoinInProgress",
    ...joinIdentity(config),
    startedAt: Option.match(earlier, { onNone: () => new Date().toISOString(), onSome: (r) => r.startedAt })
  }
  return JSON.stringify(record, null, 2) + "\n"
}

/**
 * `service`, writing the join's record just before its first change to the machine (a
 * write, folder or symlink: preflight makes none), so what follows is its own work and a
 * join that changed nothing leaves no record.
 */
export const recordingFirstWrite =
  (config: JoinConfiguration) =>
  (service: RootFsService): RootFsService => {
    let recorded = false
    const record = Effect.suspend(() =>
      recorded
        ? Effect.void
        : Effect.gen(function* () {
            const earlier = yield* Effect.provideService(earlierRun(config), RootFs, service)
            yield* service.write(RESUME_RECORD, recordText(config, earlier), { mode: 0o600, dirMode: 0o700 })
            recorded = true
          })
    )
    return {
      ...service,
      write: (path, data, options) =>
        path === RESUME_RECORD
          ? service.write(path, data, options)
          : Effect.zipRight(record, service.write(path, data, options)),
      mkdir: (path, mode) => Effect.zipRight(record, service.mkdir(path, mode)),
      symlink: (target, path) => Effect.zipRight(record, service.symlink(target, path))
    }
  }

/** The live RootFs `inner`, recording the join before its first change (see recordingFirstWrite). */
export const recordingLayer = <E, R>(
  config: JoinConfiguration,
  inner: Layer.Layer<RootFs, E, R>
): Layer.Layer<RootFs, E, R> =>
  Layer.effect(RootFs, Effect.map(RootFs, recordingFirstWrite(config))).pipe(Layer.provide(inner))

/** The join finished: a later run is a new join again (removes the record). */
export const finishJoinRecord: Effect.Effect<void, never, RootFs> = Effect.flatMap(RootFs, (fs) =>
  Effect.ignore(fs.remove(RESUME_RECORD))
)

/**
 * The file whose presence shows that what a check found in the way is this join's own:
 * a port is held by the component whose manifest (or kubelet configuration) it wrote.
 */
const evidenceFor = (name: string, bindPort: number | undefined): string | undefined => {
  const port = /^Port-(\d+)$/.exec(name)?.[1]
  if (port === undefined) return /^(FileAvailable|DirAvailable)-/.test(name) ? "" : undefined
  switch (Number(port)) {
    case 10250:
      return "/var/lib/kubelet/config.yaml"
    case 2379:
    case 2380:
      return `${MANIFESTS_DIR}/etcd.yaml`
    case 10259:
      return `${MANIFESTS_DIR}/kube-scheduler.yaml`
    case 10257:
      return `${MANIFESTS_DIR}/kube-controller-manager.yaml`
    default:
      return Number(port) === bindPort ? `${MANIFESTS_DIR}/kube-apiserver.yaml` : undefined
  }
}

/**
 * `check` as seen when resuming `earlier`: a FileAvailable, DirAvailable or Port failure
 * caused by this join's own earlier work passes, and its message is added to `resumed`.
 */
export const resumable =
  (earlier: Option.Option<ResumeRecord>, resumed: Array<string>, bindPort?: number) =>
  <R>(c: Check<R>): Check<R | RootFs> => {
    const evidence = evidenceFor(c.name, bindPort)
    if (Option.isNone(earlier) || evidence === undefined) return c
    return {
      name: c.name,
      run: Effect.gen(function* () {
        const outcome = yield* c.run
        if (outcome.errors.length === 0) return outcome
        const fs = yield* RootFs
        const owned = evidence === "" || (yield* Effect.orElseSucceed(fs.exists(evidence), () => false))
        if (!owned) return outcome
        for (const e of outcome.errors)
          resumed.push(evidence === "" ? e : `${e} (by the component of ${evidence}, written by it)`)
        return outcome.warnings.length > 0 ? CheckOutcome.warn(...outcome.warnings) : CheckOutcome.pass
      })
    }
  }
