/**
 * Control-plane join end to end: the built CLI (`node packages/cli/dist/kubeadm-ts.mjs`)
 * against the testkit API server with a REAL etcd as the first member; the
 * joining node's etcd is the static Pod manifest the join writes, run with the
 * real etcd binary. Each node has its own loopback address.
 */
import { stat } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { initClusterWithEtcd, type ClusterWithEtcd } from "../src/etcd-cluster.js"
import { controlPlaneMachine, runCli } from "./e2e-control-plane.helpers.js"

describe("control-plane join (built CLI, real etcd)", () => {
  let cluster: ClusterWithEtcd
  const cleanups: Array<() => Promise<unknown>> = []
  beforeAll(async () => {
    cluster = await initClusterWithEtcd({ kubernetesVersion: "v1.15.12" })
    cleanups.push(() => cluster.close())
  })
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it("joins a second control plane", async () => {
    const m = await controlPlaneMachine("cp-2")
    cleanups.push(m.cleanup)
    const r = await runCli([...cluster.joinCommands.controlPlane, ...m.flags])
    console.log(r.stdout, r.stderr)
    expect(r.code).toBe(0)
    expect((await stat(join(m.rootfs, "etc/kubernetes/pki/apiserver.key"))).mode & 0o777).toBe(0o600)
  })
})
