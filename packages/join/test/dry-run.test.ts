/**
 * `--dry-run` as layers: each dry-run layer over a fake (RootFs, KubeApi, Etcd), and a whole
 * worker join with `dryRun: true` whose kubelet, bootstrap and health layers come from
 * joinLayer's choice: the machine and the cluster are left as they were, every file is printed.
 */
import { describe, expect, it } from "@effect/vitest"
import { run, silentReporter } from "@kubeadm-ts/workflow"
import { Effect, Layer, Option, Ref } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as etcd from "../src/etcd/etcd.js"
import { waitForMember } from "../src/etcd/join-member.js"
import * as host from "../src/host/host.js"
import { chosenLayers, joinLayer } from "../src/join-layer.js"
import { workerWorkflow } from "../src/join-workflow.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import * as kubelet from "../src/kubelet/kubelet.js"
import * as output from "../src/output.js"
import { redactFileContent } from "../src/redact.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import { healthyMachine, options, TOKEN, workerConfig } from "./fixtures/config.js"
import { fakeClusterFor, pinnedWorkerConfig } from "./fixtures/fake-cluster.js"

const SERVER = "https://10.0.0.10:6443"

/** Lines printed by `effect` run over the dry-run RootFs on `fs`. */
const overFs = <A, E>(fs: rootfs.FakeRootFs, effect: Effect.Effect<A, E, rootfs.RootFs>) =>
  Effect.gen(function* () {
    const lines = yield* Ref.make<ReadonlyArray<output.OutputLine>>([])
    const result = yield* effect.pipe(
      Effect.provide(rootfs.dryRunOver(fs.service).pipe(Layer.provide(output.fake(lines))))
    )
    return { result, lines: (yield* Ref.get(lines)).map((l) => l.text) }
  })

const snapshot = (fs: rootfs.FakeRootFs) => JSON.stringify([...fs.entries])

describe("the dry-run RootFs", () => {
  it.effect("prints each change, applies none, and reads back what it would have written", () =>
    Effect.gen(function* () {
      const fs = rootfs.fake({ "/etc/kubernetes/pki/ca.crt": "CA", "/etc/kubernetes/old.conf": "old" })
      const before = snapshot(fs)
      const { result, lines } = yield* overFs(
        fs,
        Effect.gen(function* () {
          const r = yield* rootfs.RootFs
          yield* r.write("/etc/kubernetes/admin.conf", "users: [{user: {client-key-data: QUJD}}]\n", { mode: 0o600 })
          yield* r.write("etc/kubernetes/manifests/etcd.yaml", "apiVersion: v1\nkind: Pod\n", { mode: 0o600 })
          yield* r.mkdir("/var/lib/etcd", 0o700)
          yield* r.remove("/etc/kubernetes/old.conf")
          yield* r.remove("/etc/kubernetes/never-there.conf")
          yield* r.symlink("kubelet-client-x.pem", "/var/lib/kubelet/pki/kubelet-client-current.pem")
          return {
            admin: yield* r.readText("/etc/kubernetes/admin.conf"),
            oldGone: !(yield* r.exists("/etc/kubernetes/old.conf")),
            ca: yield* r.readText("/etc/kubernetes/pki/ca.crt"),
            manifests: yield* r.list("/etc/kubernetes/manifests"),
            kubernetes: yield* r.list("/etc/kubernetes"),
            etcdDir: Option.map(yield* r.stat("/var/lib/etcd"), (s) => [s.type, s.mode])
          }
        })
      )
      expect(snapshot(fs)).toBe(before)
      expect(result).toEqual({
        admin: "users: [{user: {client-key-data: QUJD}}]\n",
        oldGone: true,
        ca: "CA",
        manifests: ["etcd.yaml"],
        kubernetes: ["admin.conf", "manifests", "pki"],
        etcdDir: Option.some(["Directory", 0o700])
      })
      expect(lines).toEqual([
        '[dryrun] Would write file "/etc/kubernetes/admin.conf" with mode 0600 (its content is not printed due to its sensitive nature)',
        '[dryrun] Would write file "/etc/kubernetes/manifests/etcd.yaml" with mode 0600 and content:\napiVersion: v1\nkind: Pod',
        '[dryrun] Would create directory "/var/lib/etcd" with mode 0700',
        '[dryrun] Would remove "/etc/kubernetes/old.conf"',
        '[dryrun] Would create the symlink "/var/lib/kubelet/pki/kubelet-client-current.pem" -> "kubelet-client-x.pem"'
      ])
    })
  )

  it.effect("keeps the live confinement: a path climbing above the root is refused", () =>
    Effect.gen(function* () {
      const fs = rootfs.fake()
      const r = yield* Effect.either(
        overFs(
          fs,
          Effect.flatMap(rootfs.RootFs, (r) => r.write("/../etc/passwd", "x", { mode: 0o644 }))
        )
      )
      expect(r._tag === "Left" && r.left.reason).toBe("Escape")
    })
  )

  it("redacts secrets in the content it prints", () => {
    const text = [
      "- --token=abcdef.0123456789abcdef",
      "    client-key-data: QUJDREVG",
      "    token: abcdef.0123456789abcdef",
      "-----BEGIN EC PRIVATE KEY-----",
      "MHcCAQEEI",
      "-----END EC PRIVATE KEY-----",
      "certificateKey: " + "ab".repeat(32),
      ""
    ].join("\n")
    const shown = redactFileContent(text)
    expect(shown).not.toMatch(/0123456789abcdef|QUJDREVG|MHcCAQEEI|abab/)
    expect(shown).toContain("client-key-data: <redacted>")
    expect(shown).toContain("<redacted private key>")
  })
})

describe("the dry-run Etcd", () => {
  it.effect("reads the members, adds none, and the new member's wait succeeds at once", () =>
    Effect.gen(function* () {
      const first: etcd.EtcdMember = {
        id: "1",
        name: "cp-1",
        peerURLs: ["https://10.0.0.1:2380"],
        clientURLs: ["https://10.0.0.1:2379"],
        isLearner: false
      }
      const cluster = etcd.fake([first], { autoStart: false })
      const lines = yield* Ref.make<ReadonlyArray<output.OutputLine>>([])
      const client = yield* Effect.flatMap(etcd.Etcd, (e) => e.connect([], { ca: "", cert: "", key: "" })).pipe(
        Effect.provide(
          etcd.dryRunOver({ connect: () => Effect.succeed(cluster.client) }).pipe(Layer.provide(output.fake(lines)))
        )
      )
      const peer = "https://10.0.0.2:2380"
      const added = yield* client.add(peer, { learner: true })
      expect(added.members.map((m) => m.peerURLs[0])).toEqual(["https://10.0.0.1:2380", peer])
      const ours = yield* waitForMember(client, peer, { learner: true, timeout: "1 second" })
      expect(ours).toMatchObject({ peerURLs: [peer], isLearner: false })
      expect(yield* Ref.get(cluster.table)).toEqual([first])
      expect((yield* Ref.get(lines)).map((l) => l.text)).toEqual([
        `[dryrun] Would add the etcd member with peer URL ${peer} as a learner to the existing etcd cluster`,
        "[dryrun] Would promote the learner etcd member to a voting member"
      ])
    })
  )
})

describe("the dry-run KubeApi", () => {
  it.effect("announces writes and makes up the Node the join would register", () =>
    Effect.gen(function* () {
      const api = kubeApi.fake(SERVER)
      api.configMaps.set("kube-system/kubeadm-config", {
        metadata: { name: "kubeadm-config", namespace: "kube-system" },
        data: {}
      })
      const lines = yield* Ref.make<ReadonlyArray<output.OutputLine>>([])
      const kubeconfig = {
        clusters: [{ name: "c", value: { server: SERVER, certificateAuthorityData: "CA" } }],
        users: [{ name: "u", value: { token: TOKEN } }],
        contexts: [{ name: "x", value: { cluster: "c", user: "u" } }],
        currentContext: "x"
      }
      const node = yield* Effect.gen(function* () {
        const client = yield* Effect.flatMap(kubeApi.KubeApi, (k) => k.client(kubeconfig))
        const patched = yield* client.patchNode("n1", { metadata: { annotations: { a: "b" } } })
        return { got: yield* client.getNode("n1"), patched }
      }).pipe(Effect.provide(kubeApi.dryRunOver(api.service).pipe(Layer.provide(output.fake(lines)))))
      expect(node.got.metadata).toEqual({ name: "n1", labels: { "kubernetes.io/hostname": "n1" } })
      expect(node.patched.metadata.name).toBe("n1")
      expect(api.nodes.size).toBe(0)
      expect((yield* Ref.get(lines)).map((l) => l.text)).toEqual([
        '[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"',
        '[dryrun] Resource name "n1", namespace ""'
      ])
    })
  )
})

describe("a worker join with dryRun: true (fake machine and cluster)", () => {
  it.live("leaves the machine and the cluster as they were, prints every file, and waits for nothing", () =>
    Effect.gen(function* () {
      const { caPem, api } = yield* fakeClusterFor("v1.33.0")
      const configMapsBefore = JSON.stringify([...api.configMaps])
      const fs = rootfs.fake(healthyMachine)
      const before = snapshot(fs)
      const lines = yield* Ref.make<ReadonlyArray<output.OutputLine>>([])
      const config = pinnedWorkerConfig(caPem)
      // The machine and the cluster are fakes; the kubelet, its bootstrap and the health checks are dry-run's own.
      const services = joinLayer(
        { config, options: options({ dryRun: true }) },
        {
          rootFs: rootfs.dryRunOver(fs.service),
          kubeApi: kubeApi.dryRunOver(api.service),
          host: host.fake().layer,
          output: output.fake(lines)
        }
      )
      yield* run(workerWorkflow).pipe(Effect.provide(Layer.merge(services, silentReporter)))
      expect(snapshot(fs)).toBe(before)
      expect(api.nodes.size).toBe(0)
      expect(api.csrs.size).toBe(0)
      expect(JSON.stringify([...api.configMaps])).toBe(configMapsBefore)
      const text = (yield* Ref.get(lines)).map((l) => l.text)
      for (const path of ["/etc/kubernetes/bootstrap-kubelet.conf", "/etc/kubernetes/pki/ca.crt"])
        expect(text.some((l) => l.startsWith(`[dryrun] Would write file "${path}" with mode `))).toBe(true)
      for (const path of ["/var/lib/kubelet/config.yaml", "/var/lib/kubelet/kubeadm-flags.env"])
        expect(
          text.some((l) => l.startsWith(`[dryrun] Would write file "${path}" with mode 0644 and content:\n`))
        ).toBe(true)
      expect(text).toContain("[kubelet-start] Would stop the kubelet")
      expect(text).toContain("[kubelet-start] Would start the kubelet")
      expect(text).toContain("[dryrun] Would make sure the kubelet returns 'ok' at http://127.0.0.1:10248/healthz")
      expect(text).toContain("[kubelet-wait] Would wait for the kubelet to be bootstrapped")
      expect(text.join("\n")).not.toContain("0123456789abcdef")
    })
  )

  it("is chosen in join-layer.ts only: without dryRun the live layers, with it the dry-run ones", () => {
    const live = chosenLayers({ config: workerConfig(), options: options() })
    const dry = chosenLayers({ config: workerConfig(), options: options({ dryRun: true }) })
    expect(live.kubelet).toBe(kubelet.layer)
    expect(dry.kubelet).toBe(kubelet.layerDryRun)
    expect(dry.kubeApi).toBe(kubeApi.layerDryRun)
    expect(dry.etcd).toBe(etcd.layerDryRun)
  })

  it("no phase and no control-plane module asks whether this is a dry run", () => {
    const src = fileURLToPath(new URL("../src/", import.meta.url))
    for (const dir of ["phases", "control-plane"])
      for (const file of readdirSync(join(src, dir)))
        expect(readFileSync(join(src, dir, file), "utf8"), `${dir}/${file}`).not.toMatch(/dry.?run/i)
  })
})
