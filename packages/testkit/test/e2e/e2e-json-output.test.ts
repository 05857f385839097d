/**
 * `-o json` end to end: the built CLI against the testkit control plane (a worker with token
 * discovery, a control plane with real etcd), and a refused join. stdout is NDJSON only, every
 * line valid against packages/join/schema/join-events.v1.json; every phase and every file the
 * join left is in it; no secret is on stdout or stderr; the last event is the result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { joinWorkflow, workerWorkflow } from "@kubeadm-ts/join"
import { initCluster, type TestCluster } from "../../src/cluster/init-cluster.js"
import { SHARED_PORT } from "../helpers.js"
import { controlPlaneMachine, runCli as runControlPlaneCli, useClusterWithEtcd } from "./control-plane-helpers.js"
import {
  type Event,
  expectEveryFile,
  expectEveryPhase,
  expectNoSecrets,
  filesBefore,
  parseEvents,
  privateKeyBodies
} from "./events-helpers.js"
import { expectNothingLeft, runCli, tokenJoinArgs, withMachine } from "./worker-helpers.js"

const last = (events: ReadonlyArray<Event>) => events[events.length - 1]
const ofType = (events: ReadonlyArray<Event>, type: string) => events.filter((e) => e.type === type)

describe("-o json, worker (built CLI, testkit control plane)", () => {
  let cluster: TestCluster
  beforeAll(async () => {
    cluster = await initCluster({ address: "127.0.2.7" })
  })
  afterAll(() => cluster.close())

  it("a worker join: schema-valid NDJSON only, every phase, file and API object, no secret, success last", () =>
    withMachine(async (rootfs) => {
      const before = await filesBefore(rootfs)
      const r = await runCli([
        ...tokenJoinArgs(cluster),
        "--rootfs",
        rootfs,
        "--node-name",
        "worker-json",
        `--ignore-preflight-errors=${SHARED_PORT}`,
        "--self-tls-bootstrap",
        "-o",
        "json"
      ])
      expect(r.code, r.stderr).toBe(0)
      const events = parseEvents(r.stdout)
      // kubeadm's lines are still printed, on stderr
      expect(r.stderr).toContain("[preflight] Running pre-flight checks")
      expect(r.stderr).toContain("This node has joined the cluster:")
      expect(events[0]).toMatchObject({ type: "run-start", command: "join", role: "worker" })
      expect(JSON.stringify(events[0]?.["flags"])).toContain(`${cluster.token.split(".")[0] ?? ""}.<redacted>`)
      expect(ofType(events, "cluster")[0]).toMatchObject({ kubernetesVersion: cluster.kubernetesVersion })
      expect(ofType(events, "discovery")).toEqual([
        expect.objectContaining({
          method: "token",
          endpoint: cluster.endpoint,
          caPins: [cluster.caCertHash],
          pinned: [cluster.caCertHash]
        })
      ])
      const checks = ofType(events, "preflight-check").map((e) => e["name"])
      expect(checks).toContain("IsPrivilegedUser")
      expect(checks).toContain(SHARED_PORT)
      expect(ofType(events, "preflight-check").find((e) => e["name"] === SHARED_PORT)).toMatchObject({ ignored: true })
      expectEveryPhase(events, workerWorkflow)
      expect(await expectEveryFile(events, rootfs, before)).toBeGreaterThanOrEqual(5)
      // bootstrap-kubelet.conf holds the token: announced, without a digest, and removed since
      const tokenFile = ofType(events, "file").find((e) => e["path"] === "/etc/kubernetes/bootstrap-kubelet.conf")
      expect(tokenFile).toBeDefined()
      expect(tokenFile?.["sha256"]).toBeUndefined()
      const objects = ofType(events, "api-object").map((e) => `${String(e["verb"])} ${String(e["kind"])}`)
      expect(objects).toContain("create CertificateSigningRequest")
      expect(objects).toContain("create Node")
      const waits = ofType(events, "wait-start").map((e) => e["awaiting"])
      expect(waits).toContain("the node's certificate signing request to be approved and issued")
      expect(ofType(events, "wait-end").map((e) => e["outcome"])).toEqual(waits.map(() => "done"))
      expect(last(events)).toMatchObject({
        type: "result",
        outcome: "success",
        exitCode: 0,
        nodeName: "worker-json",
        role: "worker"
      })
      expectNoSecrets(r, { token: cluster.token, keyBodies: await privateKeyBodies(rootfs) })
    }))

  it("a refused join: exit 1, and the last event is the typed error with its reason and remediation", () =>
    withMachine(async (rootfs) => {
      const wrongPin = `sha256:${"ab".repeat(32)}`
      const r = await runCli([
        "join",
        cluster.endpoint,
        "--token",
        cluster.token,
        "--discovery-token-ca-cert-hash",
        wrongPin,
        "--rootfs",
        rootfs,
        "--node-name",
        "worker-json-refused",
        `--ignore-preflight-errors=${SHARED_PORT}`,
        "--output=json"
      ])
      expect(r.code).toBe(1)
      const events = parseEvents(r.stdout)
      expect(ofType(events, "phase-fail")).toEqual([
        expect.objectContaining({ phase: "preflight", family: "DiscoveryError", reason: "PinMismatch" })
      ])
      expect(last(events)).toMatchObject({
        type: "result",
        outcome: "failure",
        exitCode: 1,
        error: { family: "DiscoveryError", reason: "PinMismatch", phase: "preflight" }
      })
      const error = last(events)?.["error"] as { message: string; meaning: string; remediation: string }
      expect(error.message).toContain(
        "error execution phase preflight: couldn't validate the identity of the API Server"
      )
      expect(error.meaning).toBe("None of the CA certificates cluster-info carries matches a given pin.")
      expect(error.remediation).not.toBe("")
      // the human message is on stderr as without -o json
      expect(r.stderr).toContain("error execution phase preflight")
      expectNoSecrets(r, { token: cluster.token, keyBodies: [] })
      await expectNothingLeft(rootfs)
    }))

  it("a bad --output value is a usage error", async () => {
    const r = await runCli(["join", cluster.endpoint, "-o", "yaml"])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain('invalid argument "yaml" for "-o, --output" flag: must be text or json')
  })
})

describe("-o json, control plane (built CLI, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })

  it("a control-plane join: schema-valid NDJSON only, every phase and file, the etcd wait, no secret", async () => {
    const m = await controlPlaneMachine("cp-json")
    cp.cleanups.push(m.cleanup)
    const before = await filesBefore(m.rootfs)
    const r = await runControlPlaneCli([...cp.cluster.joinCommands.controlPlane, ...m.flags, "-o", "json"])
    expect(r.code, r.stderr).toBe(0)
    const events = parseEvents(r.stdout)
    expect(events[0]).toMatchObject({ type: "run-start", role: "control-plane" })
    expect(JSON.stringify(events[0]?.["flags"])).toContain('"certificateKey":"<redacted>"')
    expectEveryPhase(events, joinWorkflow)
    expect(await expectEveryFile(events, m.rootfs, before)).toBeGreaterThanOrEqual(20)
    const paths = ofType(events, "file").map((e) => e["path"])
    for (const f of [
      "pki/ca.key",
      "pki/apiserver.crt",
      "admin.conf",
      "manifests/etcd.yaml",
      "manifests/kube-apiserver.yaml"
    ])
      expect(paths).toContain(`/etc/kubernetes/${f}`)
    expect(
      ofType(events, "wait-start")
        .map((e) => String(e["awaiting"]))
        .join("\n")
    ).toMatch(/etcd/)
    const objects = ofType(events, "api-object").map((e) => `${String(e["verb"])} ${String(e["kind"])}`)
    expect(objects).toContain("patch Node")
    expect(last(events)).toMatchObject({
      type: "result",
      outcome: "success",
      nodeName: "cp-json",
      role: "control-plane"
    })
    expect(r.stderr).toContain("This node has joined the cluster and a new control plane instance was created:")
    expectNoSecrets(r, {
      token: cp.cluster.token,
      certificateKey: cp.cluster.certificateKey,
      keyBodies: await privateKeyBodies(m.rootfs)
    })
  })
})
