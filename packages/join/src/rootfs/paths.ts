/** Root-relative paths: normalising, display form, confinement, and the read limits. */
import { Effect, Option } from "effect"
import { RootFsError } from "./errors.js"

/**
 * The largest file a join reads. Everything it reads (kubeconfigs, certificates, manifests,
 * /proc files) is a few kilobytes; more is a mistake or an attack on memory.
 */
export const MAX_READ_BYTES = 1024 * 1024

/**
 * The largest YAML file a user names (--config, --discovery-file). A real one is a few
 * kilobytes; the yaml parser needs about 1 s and 180 MB for 256 KiB, so it is the cap.
 */
export const MAX_USER_YAML_BYTES = 256 * 1024

/** The temp files writes create: `.<name>.tmp-<12 hex>` (anything else is never swept). */
export const TEMP_PATTERN = /^\..+\.tmp-[0-9a-f]{12}$/

/**
 * Splits a root-relative path into its segments, resolving `.` and `..`.
 * `None` when `..` climbs above the root.
 */
export const normalizeSegments = (path: string): Option.Option<ReadonlyArray<string>> => {
  const out: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") {
      if (out.length === 0) return Option.none()
      out.pop()
    } else {
      out.push(segment)
    }
  }
  return Option.some(out)
}

/** `/a/b` display form of a root-relative path. */
export const displayPath = (path: string): string => {
  const segments = normalizeSegments(path)
  return Option.isSome(segments) ? "/" + segments.value.join("/") : path
}

/** The path with its root prefix stripped, for messages. */
export const escapeError = (op: string, path: string, why: string) =>
  new RootFsError({ op, path: displayPath(path), reason: "Escape", detail: why })

/** Normalised segments or an Escape error. */
export const confineSegments = (op: string, path: string): Effect.Effect<ReadonlyArray<string>, RootFsError> =>
  Option.match(normalizeSegments(path), {
    onNone: () => Effect.fail(escapeError(op, path, "the path climbs above the root filesystem with '..'")),
    onSome: Effect.succeed
  })
