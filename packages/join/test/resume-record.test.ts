/**
 * The join-in-progress record (resume/record.ts) on the in-memory RootFs: written just before
 * the join's first change and never holding the token's secret; recognised only for the same
 * join; and the preflight view that passes this join's own files, folders and listeners.
 */
import { check, CheckOutcome } from "@kubeadm-ts/workflow"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import * as rootfs from "../src/rootfs/rootfs.js"
import { RootFs } from "../src/rootfs/rootfs.js"
import { earlierRun, recordingFirstWrite, RESUME_RECORD, resumable } from "../src/resume/record.js"
import { TOKEN, workerConfig } from "./fixtures/config.js"

const config = workerConfig()

describe("the join-in-progress record", () => {
  it("is written before the first change only, with the join's identity and no secret", async () => {
    const fs = rootfs.fake()
    const recording = recordingFirstWrite(config)(fs.service)
    await Effect.runPromise(recording.exists("/etc/kubernetes/kubelet.conf"))
    expect(fs.text(RESUME_RECORD)).toBeUndefined()
    await Effect.runPromise(recording.write("/etc/kubernetes/kubelet.conf", "x\n", { mode: 0o600 }))
    const text = fs.text(RESUME_RECORD) ?? ""
    expect(JSON.parse(text)).toMatchObject({
      kind: "KubeadmTsJoinInProgress",
      nodeName: config.nodeRegistration.name,
      tokenId: TOKEN.split(".")[0]
    })
    expect(text).not.toContain(TOKEN.split(".")[1])
  })

  it("keeps the start time of the same join, and is recognised only for it", async () => {
    const fs = rootfs.fake()
    await Effect.runPromise(recordingFirstWrite(config)(fs.service).mkdir("/etc/kubernetes", 0o755))
    const first = JSON.parse(fs.text(RESUME_RECORD) ?? "{}") as { startedAt: string }
    await Effect.runPromise(recordingFirstWrite(config)(fs.service).mkdir("/etc/kubernetes", 0o755))
    expect((JSON.parse(fs.text(RESUME_RECORD) ?? "{}") as { startedAt: string }).startedAt).toBe(first.startedAt)
    const same = await Effect.runPromise(Effect.provide(earlierRun(config), fs.layer))
    expect(Option.isSome(same)).toBe(true)
    const other = workerConfig({ nodeRegistration: { ...config.nodeRegistration, name: "another-node" } })
    expect(Option.isNone(await Effect.runPromise(Effect.provide(earlierRun(other), fs.layer)))).toBe(true)
    const junk = rootfs.fake({ [RESUME_RECORD]: "{not json" })
    expect(Option.isNone(await Effect.runPromise(Effect.provide(earlierRun(config), junk.layer)))).toBe(true)
  })
})

describe("preflight's view of this join's own earlier work", () => {
  const failing = (name: string) =>
    check(name, Effect.succeed(CheckOutcome.fail("/etc/kubernetes/kubelet.conf already exists")))
  const record = Option.some({
    kind: "KubeadmTsJoinInProgress" as const,
    nodeName: "n",
    discovery: "",
    caCertHashes: [],
    tokenId: "",
    controlPlane: null,
    startedAt: "2026-12-03T18:00:00.000Z"
  })
  const run = (c: ReturnType<ReturnType<typeof resumable>>, seed: rootfs.MemorySeed = {}) =>
    Effect.runPromise(Effect.provide(c.run as Effect.Effect<CheckOutcome, never, RootFs>, rootfs.fake(seed).layer))

  it("a FileAvailable failure passes when resuming, and is listed", async () => {
    const resumed: Array<string> = []
    expect(await run(resumable(record, resumed)(failing("FileAvailable--etc-kubernetes-kubelet.conf")))).toEqual(
      CheckOutcome.pass
    )
    expect(resumed).toEqual(["/etc/kubernetes/kubelet.conf already exists"])
  })

  it("without an earlier run of this join, the failure stands", async () => {
    const resumed: Array<string> = []
    const outcome = await run(resumable(Option.none(), resumed)(failing("FileAvailable--etc-kubernetes-kubelet.conf")))
    expect(outcome.errors).toHaveLength(1)
    expect(resumed).toEqual([])
  })

  it("a port passes only when the manifest of the component holding it was written", async () => {
    const port = check("Port-2380", Effect.succeed(CheckOutcome.fail("Port 2380 is in use")))
    expect((await run(resumable(record, [])(port))).errors).toEqual(["Port 2380 is in use"])
    const resumed: Array<string> = []
    const seeded = { "/etc/kubernetes/manifests/etcd.yaml": "apiVersion: v1\n" }
    expect(await run(resumable(record, resumed)(port), seeded)).toEqual(CheckOutcome.pass)
    expect(resumed[0]).toContain("Port 2380 is in use")
  })

  it("other checks are never passed", async () => {
    const swap = check("Swap", Effect.succeed(CheckOutcome.fail("running with swap on is not supported")))
    expect((await run(resumable(record, [])(swap))).errors).toHaveLength(1)
  })
})
