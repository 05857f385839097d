/**
 * Test-only crash points: SIGKILL this process at a named point of a join, so the
 * kill-and-rerun harness (testkit) can prove a re-run converges from every one.
 *
 * Armed only when BOTH variables are set, the second to the exact phrase below, so a
 * stray `KUBEADM_TS_TEST_CRASH_AT` in someone's shell never kills a real join:
 *
 *   KUBEADM_TS_TEST_CRASH_CONFIRM=kill-this-join-i-am-a-test
 *   KUBEADM_TS_TEST_CRASH_AT=<point>
 *
 * `<point>` is one of
 * - `write:<path>:<byte>`: the write of `<path>` (as seen in the rootfs; `*` matches any
 *   characters of a name) puts the first `<byte>` bytes in its temp file, syncs them, and the
 *   process is killed before the rename;
 * - `phase:<name>`: right after phase `<name>` (e.g. `control-plane-prepare/certs`) succeeded;
 * - `api:<op>`: right after the API server answered the mutation `<op>` (the client's
 *   operation text, e.g. `create Node cp-1`, `patch Node cp-1`); leading words match too
 *   (`api:patch Node`);
 * - `etcd:add` / `etcd:promote` / `etcd:remove`: right after etcd acknowledged that change;
 * - `trace`: kill nothing, print every point crossed on stderr as `[crash-point] <point>`
 *   (the harness lists the points of a join this way).
 *
 * The first matching point kills. Nothing is read or printed when the pair is absent.
 */
import { Effect } from "effect"

/** The phrase `KUBEADM_TS_TEST_CRASH_CONFIRM` must hold for any crash point to be armed. */
export const CRASH_CONFIRM_PHRASE = "kill-this-join-i-am-a-test"

type Armed =
  | { readonly kind: "off" }
  | { readonly kind: "trace" }
  | { readonly kind: "write"; readonly path: RegExp; readonly bytes: number }
  | { readonly kind: "after"; readonly point: string }

const normalizePath = (p: string) =>
  "/" +
  p
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/")

const parse = (spec: string): Armed => {
  if (spec === "trace") return { kind: "trace" }
  if (spec.startsWith("write:")) {
    const i = spec.lastIndexOf(":")
    const bytes = Number(spec.slice(i + 1))
    const path = spec.slice("write:".length, i)
    // `*` stands for any characters of a name (a file named after the time, like the kubelet's client certificate).
    const pattern = new RegExp(
      "^" +
        normalizePath(path)
          .split("*")
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join("[^/]*") +
        "$"
    )
    if (i > "write:".length && Number.isInteger(bytes) && bytes >= 0) return { kind: "write", path: pattern, bytes }
  } else if (/^(phase|api|etcd):./.test(spec)) return { kind: "after", point: spec }
  // A test that arms a crash point it mistyped must not pass by never crashing.
  process.stderr.write(`kubeadm-ts: KUBEADM_TS_TEST_CRASH_AT=${JSON.stringify(spec)} is not a crash point\n`)
  process.exit(70)
}

let armed: Armed | undefined
const current = (): Armed => {
  if (armed === undefined) {
    const spec = process.env["KUBEADM_TS_TEST_CRASH_AT"]
    armed =
      spec !== undefined && spec !== "" && process.env["KUBEADM_TS_TEST_CRASH_CONFIRM"] === CRASH_CONFIRM_PHRASE
        ? parse(spec)
        : { kind: "off" }
  }
  return armed
}

const die = (point: string): never => {
  process.stderr.write(`[crash-point] SIGKILL at ${point}\n`)
  process.kill(process.pid, "SIGKILL")
  // SIGKILL is not deliverable late; this line is never reached.
  throw new Error("unreachable")
}

const trace = (point: string) => process.stderr.write(`[crash-point] ${point}\n`)

/**
 * For a write of `path` (root-relative): how many bytes to write before dying, or undefined
 * (write normally). Synchronous: the confined writer is.
 */
export const partialWriteBytes = (path: string): number | undefined => {
  const a = current()
  if (a.kind === "off") return undefined
  const p = normalizePath(path)
  if (a.kind === "trace") {
    trace(`write:${p}`)
    return undefined
  }
  return a.kind === "write" && a.path.test(p) ? a.bytes : undefined
}

/** Called by the writer once the partial bytes are synced. */
export const crashNow = (point: string): never => die(point)

/** Dies right here when `point` is the armed one, or starts with it and a space (`api:create Node` kills at `api:create Node cp-1`). */
export const after = (point: string): Effect.Effect<void> =>
  Effect.sync(() => {
    const a = current()
    if (a.kind === "trace") trace(point)
    else if (a.kind === "after" && (point === a.point || point.startsWith(a.point + " "))) die(point)
  })
