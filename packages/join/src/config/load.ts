/**
 * From the command line to a validated JoinConfiguration + JoinOptions, in
 * kubeadm's order (spec join-node §1.4, §1.5, §1.7, §1.8). Only reads: the
 * config file, the host name, whether paths exist. Never writes.
 */
import { Either } from "effect"
import * as nodePath from "node:path"
import { causeText } from "../cause-text.js"
import { decodeJoinConfiguration, group } from "./decode.js"
import { ConfigError, fieldErrors, invalid } from "./errors.js"
import { configFromFlags, type JoinFlags } from "./flags.js"
import { goQuote, isAdvertisableAddress, isIpAddress } from "./formats.js"
import type { JoinConfiguration, JoinOptions } from "./model.js"
import { validateJoinConfiguration } from "./validate.js"
import { loadPatches, PatchesError, type LoadedPatches, type PatchFile } from "../patches/patches.js"

/** The real machine behind LoadEnv (node:fs, node:os). */
export { liveLoadEnv } from "../internal/config/load-env.js"

/** What loading needs from the machine; `liveLoadEnv` reads the real one. */
export interface LoadEnv {
  /** The kernel host name; throws when it cannot be read. */
  readonly hostname: () => string
  /**
   * Text of the file at `path` as seen inside `rootfs`, confined to it like every RootFs
   * access; a regular file of at most MAX_USER_YAML_BYTES (../rootfs/rootfs.ts). Throws with the reason.
   */
  readonly readFile: (rootfs: string, path: string) => string
  readonly exists: (path: string) => boolean
  readonly isDirectory: (path: string) => boolean
  /**
   * The entries of the folder at `path` inside `rootfs` (confined like readFile), as lstat sees
   * them; throws with `code` ENOENT or ENOTDIR when it is missing or not a folder.
   */
  readonly listDir: (
    rootfs: string,
    path: string
  ) => ReadonlyArray<{ readonly name: string; readonly directory: boolean }>
}

/** The join's input once flags and `--config` are merged, defaulted and validated. */
export interface LoadedJoin {
  readonly config: JoinConfiguration
  readonly options: JoinOptions
  /** Lines to print on stderr before the join starts (deprecations, ignored settings). */
  readonly warnings: ReadonlyArray<string>
}

/** Flags that may be given together with `--config` (kubeadm 1.15's list, plus ours); `skip-*` too. */
export const allowedWithConfig = new Set([
  "config",
  "ignore-preflight-errors",
  "dry-run",
  "kubeconfig",
  "node-name",
  "cri-socket",
  "kubeconfig-dir",
  "upload-certs",
  "experimental-upload-certs",
  "print-join-command",
  "rootfs",
  "v",
  "self-tls-bootstrap",
  "etcd-learner"
])

const currentApiVersions = new Set([`${group}/v1beta3`, `${group}/v1beta4`])

/** A path as the join sees it: inside the rootfs (kubeadm chroots there first; relative = from its root). */
export const inRootfs = (rootfs: string, path: string): string => nodePath.join(rootfs, nodePath.resolve("/", path))

const fail = (message: string, where: { flag?: string; field?: string }) =>
  Either.left(new ConfigError({ message, ...where }))

const checkRootfs = (rootfs: string, env: LoadEnv): Either.Either<void, ConfigError> => {
  if (!nodePath.isAbsolute(rootfs))
    return fail(`rootfs path must be an absolute path, got ${goQuote(rootfs)}`, { flag: "rootfs" })
  if (!env.isDirectory(rootfs))
    return fail(`rootfs path ${goQuote(rootfs)} is not an existing directory`, { flag: "rootfs" })
  return Either.void
}

/**
 * Current kubeadm's list (ValidateMixedArguments), applied to v1beta3/v1beta4 files, plus
 * kubeadm-ts's own flags: `--cri-socket` is no longer allowed next to such a file.
 */
export const allowedWithCurrentConfig = new Set([
  "config",
  "ignore-preflight-errors",
  "dry-run",
  "kubeconfig",
  "node-name",
  "kubeconfig-dir",
  "upload-certs",
  "print-manifest",
  "allow-missing-template-keys",
  "output",
  "show-managed-fields",
  "print-join-command",
  "rootfs",
  "v",
  "log-file",
  "yes",
  "self-tls-bootstrap",
  "etcd-learner"
])

const checkMixedArguments = (
  flags: JoinFlags,
  allowed: ReadonlySet<string> = allowedWithConfig
): Either.Either<void, ConfigError> => {
  if (!flags.changed.has("config")) return Either.void
  const mixed = [...flags.changed].filter((f) => !allowed.has(f) && !f.startsWith("skip-")).sort()
  return mixed.length === 0
    ? Either.void
    : fail(`can not mix '--config' with arguments [${mixed.join(" ")}]`, { flag: mixed[0] ?? "config" })
}

/** Host name rule (spec §1.8): the given name or the kernel's, trimmed and lower-cased. */
const nodeName = (given: string, env: LoadEnv): Either.Either<string, ConfigError> => {
  let name = given
  if (name === "") {
    try {
      name = env.hostname()
    } catch (e) {
      return fail(`couldn't determine hostname: ${causeText(e)}`, { flag: "node-name", field: "nodeRegistration.name" })
    }
  }
  name = name.trim().toLowerCase()
  return name === ""
    ? fail("empty hostname is invalid", { flag: "node-name", field: "nodeRegistration.name" })
    : Either.right(name)
}

/** Config values first, then the flag's, lower-cased into one sorted set; `all` stands alone (spec §1.7). */
const ignoreSet = (
  fromConfig: ReadonlyArray<string>,
  fromFlag: ReadonlyArray<string>
): Either.Either<ReadonlyArray<string>, ConfigError> => {
  const set = [
    ...new Set([...fromConfig, ...fromFlag].map((s) => s.trim().toLowerCase()).filter((s) => s !== ""))
  ].sort()
  if (set.includes("all") && set.length > 1) {
    return Either.left(
      fieldErrors([
        invalid("ignore-preflight-errors", set.join(","), "don't specify individual checks if 'all' is used")
      ])
    )
  }
  return Either.right(set)
}

/** Why a file of the user's could not be read, as Go words it (never the host path the walk went through). */
const readFailure = (e: unknown): string => {
  const code = (e as { code?: string }).code
  return code === "ENOENT" ? "no such file or directory" : code === "EISDIR" ? "is a directory" : causeText(e)
}

const readConfigFile = (flags: JoinFlags, env: LoadEnv) => {
  let text: string
  try {
    text = env.readFile(flags.rootfs, flags.config)
  } catch (e) {
    const why = readFailure(e)
    return fail(`unable to read config from ${goQuote(flags.config)} : open ${flags.config}: ${why}`, {
      flag: "config"
    })
  }
  return decodeJoinConfiguration(text)
}

/** The files under a patch folder in filepath.Walk's order: names sorted, a sub-folder walked where it sorts. */
const walkPatchDir = (rootfs: string, dir: string, env: LoadEnv): ReadonlyArray<PatchFile> => {
  const files: PatchFile[] = []
  const walk = (path: string) => {
    const entries = [...env.listDir(rootfs, path)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      const child = nodePath.posix.join(path, e.name)
      if (e.directory) walk(child)
      else files.push({ name: e.name, path: child })
    }
  }
  walk(dir)
  return files
}

/** Reads and checks every patch file before the join writes anything (kubeadm reads them at first use). */
const readPatches = (rootfs: string, dir: string, env: LoadEnv): Either.Either<LoadedPatches, PatchesError> => {
  let files: ReadonlyArray<PatchFile>
  try {
    files = walkPatchDir(rootfs, dir, env)
  } catch (e) {
    const code = (e as { code?: string }).code
    const detail =
      code === "ENOENT"
        ? `lstat ${dir}: no such file or directory`
        : code === "ENOTDIR"
          ? `getPatchSetsFromPath ${nodePath.basename(dir)}: not a directory`
          : causeText(e)
    return Either.left(new PatchesError({ reason: "ListFailed", directory: dir, detail, cause: e }))
  }
  return loadPatches(dir, files, (path) => {
    try {
      return Either.right(env.readFile(rootfs, path))
    } catch (e) {
      return Either.left(readFailure(e))
    }
  })
}

/** Phases kubeadm runs without discovery flags: they work from an existing admin.conf (spec §1.4 H). */
const phasesWithoutDiscovery = /^(control-plane-join(\/.*)?|control-plane-prepare\/control-plane)$/

/** kubeadm's admin kubeconfig; phases that need no discovery fall back to it when nothing else is given. */
export const adminConfPath = "/etc/kubernetes/admin.conf"

const adminConfDiscovery = (flags: JoinFlags, env: LoadEnv): Either.Either<JoinFlags, ConfigError> => {
  const given = flags.changed.has("config") || flags.discoveryFile !== "" || (flags.apiServerEndpoint ?? "") !== ""
  if (flags.phase === undefined || !phasesWithoutDiscovery.test(flags.phase) || given) return Either.right(flags)
  if (!env.exists(inRootfs(flags.rootfs, adminConfPath))) {
    return fail(
      `File ${adminConfPath} does not exists. Please use 'kubeadm join phase control-plane-prepare' subcommands to generate it.`,
      { flag: "discovery-file" }
    )
  }
  return Either.right({ ...flags, discoveryFile: adminConfPath })
}

/** Everything `kubeadm join` checks before its first phase. */
export const loadJoin = (given: JoinFlags, env: LoadEnv): Either.Either<LoadedJoin, ConfigError> =>
  Either.gen(function* () {
    let flags = given
    yield* checkRootfs(flags.rootfs, env)
    yield* checkMixedArguments(flags)
    const warnings: string[] = []
    let config: JoinConfiguration
    flags = yield* adminConfDiscovery(flags, env)
    if (flags.changed.has("config")) {
      const decoded = yield* readConfigFile(flags, env)
      // Which kubeadm reads the file decides which flags may go with it (checked first, as kubeadm does, with the wider list).
      if (currentApiVersions.has(decoded.apiVersion)) yield* checkMixedArguments(flags, allowedWithCurrentConfig)
      warnings.push(...decoded.warnings)
      config = decoded.config
    } else {
      const fromFlags = configFromFlags(flags)
      warnings.push(...fromFlags.warnings)
      config = fromFlags.config
    }
    // The node name and CRI socket flags override the file; unlike kubeadm 1.15 they are then validated too.
    const name = yield* nodeName(flags.nodeName || config.nodeRegistration.name, env)
    const criSocket = flags.criSocket || config.nodeRegistration.criSocket
    const cp = config.controlPlane
    if (
      cp !== undefined &&
      cp.localAPIEndpoint.advertiseAddress !== "" &&
      !isIpAddress(cp.localAPIEndpoint.advertiseAddress)
    ) {
      return yield* fail(
        `couldn't use ${goQuote(cp.localAPIEndpoint.advertiseAddress)} as "apiserver-advertise-address", must be ipv4 or ipv6 address`,
        {
          flag: "apiserver-advertise-address",
          field: "controlPlane.localAPIEndpoint.advertiseAddress"
        }
      )
    }
    config = {
      ...config,
      nodeRegistration: { ...config.nodeRegistration, name, criSocket },
      // v1beta1/v1beta2 files cannot say it: --etcd-learner also applies with --config.
      ...(cp !== undefined && flags.etcdLearner ? { controlPlane: { ...cp, etcdLearnerMode: true } } : {})
    }
    const problems = validateJoinConfiguration(config, { fileExists: (p) => env.exists(inRootfs(flags.rootfs, p)) })
    if (problems.length > 0) return yield* Either.left(fieldErrors(problems))
    const ignore = yield* ignoreSet(config.nodeRegistration.ignorePreflightErrors, flags.ignorePreflightErrors)
    config = { ...config, nodeRegistration: { ...config.nodeRegistration, ignorePreflightErrors: ignore } }
    const address = cp?.localAPIEndpoint.advertiseAddress ?? ""
    if (address !== "" && !isAdvertisableAddress(address)) {
      return yield* fail(`cannot use ${goQuote(address)} as the bind address for the API Server`, {
        flag: "apiserver-advertise-address",
        field: "controlPlane.localAPIEndpoint.advertiseAddress"
      })
    }
    // As kubeadm: --patches wins over patches.directory (the two cannot be given together anyway).
    const patchesDirectory = flags.patches || (config.patchesDirectory ?? "")
    const patches =
      patchesDirectory === ""
        ? undefined
        : yield* Either.mapLeft(
            readPatches(flags.rootfs, patchesDirectory, env),
            (e) =>
              new ConfigError({
                message: e.message,
                ...(flags.patches !== "" ? { flag: "patches" } : { field: "patches.directory" })
              })
          )
    const options: JoinOptions = {
      rootfs: flags.rootfs,
      ...(patches === undefined ? {} : { patches }),
      // As kubeadm: the flag replaces the file's list; it does not add to it.
      skipPhases: [...(flags.skipPhases.length > 0 ? flags.skipPhases : (config.skipPhases ?? []))],
      selfTlsBootstrap: flags.selfTlsBootstrap,
      verbosity: flags.verbosity,
      // kubeadm's ValueFromFlagsOrConfig: the flag when given, else the file's dryRun.
      dryRun: flags.changed.has("dry-run") ? flags.dryRun === true : config.dryRun === true,
      ...(flags.output === undefined ? {} : { output: flags.output })
    }
    return { config, options, warnings }
  })
