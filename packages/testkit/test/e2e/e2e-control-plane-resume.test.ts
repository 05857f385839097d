/**
 * A control-plane join killed (SIGKILL) right after it announced its etcd
 * member, then run again with the SAME command line (no ignore list: preflight
 * recognises the files its first run wrote and says it resumes): the re-run recognises the
 * Ready Node as this machine (its valid kubelet credentials are here), reuses
 * the announced member, and ends with exactly one started member for the peer
 * URL and a healthy cluster. A Ready Node of that name on another machine
 * (no credentials) is still refused. Built CLI, testkit, real etcd; the TLS
 * bootstrap by the FakeKubelet, or in-process (--self-tls-bootstrap).
 */
import { describe, expect, it } from "vitest"
import { FakeKubelet } from "../../src/index.js"
import {
  controlPlaneMachine,
  etcdctl,
  etcdMembers,
  filesUnder,
  runCli,
  useClusterWithEtcd,
  expectOneHealthyMember
} from "./control-plane-helpers.js"
import { SHARED_PORT } from "../helpers.js"

describe("control-plane join resumed after SIGKILL (built CLI, real etcd)", () => {
  const cp = useClusterWithEtcd({ kubernetesVersion: "v1.15.12" })
  const cleanups = cp.cleanups

  const membersNow = () => etcdMembers([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls)

  /**
   * A node machine (its etcd static Pod runs from the rootfs manifest) whose
   * FakeKubelet does the TLS bootstrap and registers its Node Ready, and keeps
   * running when kubeadm-ts is killed, as a real kubelet would.
   */
  const machine = async (nodeName: string) => {
    const m = await controlPlaneMachine(nodeName)
    const kubelet = new FakeKubelet({
      rootfs: m.rootfs,
      hostname: nodeName,
      internalIP: m.address,
      csrApiVersion: "v1beta1"
    }).start()
    cleanups.push(async () => {
      await kubelet.stop()
      await m.cleanup()
    })
    return m
  }

  it("the same command line run again: one member for the peer URL, both started, healthy, exit 0", async () => {
    const m = await machine("cp-resume")
    const peerURL = `https://${m.address}:2380`
    const command = [
      ...cp.cluster.joinCommands.controlPlane,
      "--rootfs",
      m.rootfs,
      "--node-name",
      "cp-resume",
      "--apiserver-advertise-address",
      m.address,
      `--ignore-preflight-errors=CRI,NumCPU,${SHARED_PORT}`
    ]
    const first = await runCli(command, { killWhen: (line) => line.startsWith("[etcd] Announced new etcd member") })
    expect(first.signal, first.stderr + first.stdout).toBe("SIGKILL")
    expect((await membersNow()).filter((x) => x.peerURLs.includes(peerURL))).toHaveLength(1)
    const node = cp.cluster.get("nodes", undefined, "cp-resume") as
      { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined
    expect(node?.status?.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "True" }))

    // the same command line: preflight recognises the first run's own files and says so
    const again = await runCli(command)
    expect(again.code, again.stderr + again.stdout).toBe(0)
    expect(again.stdout).toContain('[preflight] Resuming the join of node "cp-resume" started at ')
    expect(again.stdout).toContain("\t/etc/kubernetes/kubelet.conf already exists")
    expect(again.stdout).toContain("\t/etc/kubernetes/manifests/kube-apiserver.yaml already exists")
    expect(again.stdout).toContain(
      '[kubelet-start] This machine is already Node "cp-resume" (its kubelet client certificate is valid); resuming the join'
    )
    expect(again.stdout).toContain(`already announced for ${peerURL} (an earlier run); reusing it`)
    const members = await expectOneHealthyMember(cp.cluster.etcd, peerURL, "cp-resume")
    expect(
      members.every((x) => x.name !== "" && x.clientURLs.length > 0),
      JSON.stringify(members)
    ).toBe(true)
  })

  it("with --self-tls-bootstrap (its Node registered, not yet Ready): the re-run keeps the kubelet credentials it has and the member", async () => {
    const m = await controlPlaneMachine("cp-resume-self")
    cleanups.push(m.cleanup)
    const peerURL = `https://${m.address}:2380`
    const command = [...cp.cluster.joinCommands.controlPlane, ...m.flags]
    const first = await runCli(command, { killWhen: (line) => line.startsWith("[etcd] Announced new etcd member") })
    expect(first.signal, first.stderr + first.stdout).toBe("SIGKILL")
    expect(first.stdout).toContain("[kubelet-start] Certificate signing request")
    const again = await runCli(command)
    expect(again.code, again.stderr + again.stdout).toBe(0)
    expect(again.stdout).toContain(
      '[kubelet-start] /etc/kubernetes/kubelet.conf already holds a valid client certificate for "system:node:cp-resume-self": no new TLS Bootstrap'
    )
    expect(again.stdout).not.toContain("[kubelet-start] Certificate signing request")
    const ours = (await membersNow()).filter((x) => x.peerURLs.includes(peerURL))
    expect(ours).toHaveLength(1)
    expect(ours[0]).toMatchObject({ name: "cp-resume-self", isLearner: false })
    expect(ours[0]?.clientURLs.length).toBeGreaterThan(0)
    const health = await etcdctl([cp.cluster.etcd.clientURL], cp.cluster.etcd.tls, ["endpoint", "health", "--cluster"])
    expect(health.code, health.stderr).toBe(0)
  })

  it("a Ready Node of that name without this machine's credentials is still refused, nothing joins", async () => {
    const m = await machine("cp-impostor")
    const before = await membersNow()
    const r = await runCli([
      ...cp.cluster.joinCommands.controlPlane,
      "--rootfs",
      m.rootfs,
      "--node-name",
      "control-plane-1",
      "--apiserver-advertise-address",
      m.address,
      `--ignore-preflight-errors=CRI,NumCPU,${SHARED_PORT}`
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'a Node with name "control-plane-1" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node'
    )
    expect((await filesUnder(m.rootfs)).filter((f) => f.endsWith(".key"))).toEqual([])
    expect(await membersNow()).toEqual(before)
  })
})
