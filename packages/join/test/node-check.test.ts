import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref } from "effect"
import { Crypto } from "../src/crypto/index.js"
import { JoinData } from "../src/discovery/join-data.js"
import * as kubeApi from "../src/kube-api/kube-api.js"
import { KubeApi } from "../src/kube-api/kube-api.js"
import { kubeletKubeconfig, serializeKubeconfig, simpleKubeconfig } from "../src/kubeconfig/index.js"
import { ownNodeCredential, refuseReadyNode } from "../src/kubelet/index.js"
import { type OutputLine } from "../src/output.js"
import { type MemorySeed } from "../src/rootfs/index.js"
import * as rootfs from "../src/rootfs/rootfs.js"
import * as crypto from "../src/crypto/crypto.js"
import * as output from "../src/output.js"

const SERVER = "https://h:6443"
const readyNode = (name: string) => ({
  metadata: { name },
  status: { conditions: [{ type: "Ready", status: "True" }] }
})

/** A CA, and kubelet credentials it (or another CA) issues, as the kubelet writes them. */
const makePki = Effect.gen(function* () {
  const c = yield* Crypto
  const newCa = (cn: string) =>
    Effect.gen(function* () {
      const keys = yield* c.generateKeyPair("ecdsa-p256")
      return { keys, certPem: yield* c.createCaCertificate(keys, { commonName: cn }) }
    })
  const ca = yield* newCa("kubernetes")
  const otherCa = yield* newCa("kubernetes")
  const credential = (o: { cn: string; issuer?: typeof ca; notAfter?: Date; notBefore?: Date }) =>
    Effect.gen(function* () {
      const keys = yield* c.generateKeyPair("ecdsa-p256")
      const certPem = yield* c.createCertificate(
        keys.publicKey,
        {
          commonName: o.cn,
          organizations: ["system:nodes"],
          extKeyUsages: ["client"],
          ...(o.notAfter ? { notAfter: o.notAfter } : {}),
          ...(o.notBefore ? { notBefore: o.notBefore } : {})
        },
        o.issuer ?? ca
      )
      return { certPem, keyPem: yield* c.privateKeyToPem(keys.privateKey) }
    })
  return { ca, otherCa, credential }
})

/** kubelet.conf pointing at kubelet-client-current.pem (a symlink), as after a real TLS bootstrap. */
const kubeletFiles = (caPem: string, pem: string): MemorySeed => ({
  "etc/kubernetes/kubelet.conf": serializeKubeconfig(kubeletKubeconfig({ server: SERVER, caPem })),
  "var/lib/kubelet/pki/kubelet-client-2026-01-01-00-00-00.pem": { data: pem, mode: 0o600 },
  "var/lib/kubelet/pki/kubelet-client-current.pem": { symlink: "kubelet-client-2026-01-01-00-00-00.pem" }
})

const joinData = (caPem: string) =>
  Layer.succeed(JoinData, {
    cluster: Effect.succeed({
      server: SERVER,
      caPem,
      kubeconfig: simpleKubeconfig({
        clusterName: "c",
        cluster: { server: SERVER },
        userName: "u",
        user: {},
        contextName: "x"
      })
    }),
    tlsBootstrapKubeconfig: Effect.die("unused"),
    bootstrapClient: Effect.die("unused"),
    clusterConfiguration: Effect.die("unused")
  } as never)

describe("a Node with this name", () => {
  it.effect("Ready without this machine's credentials: refused; NotReady (a re-join) or absent: allowed", () =>
    Effect.gen(function* () {
      const api = kubeApi.fake(SERVER)
      api.nodes.set("ready", readyNode("ready"))
      api.nodes.set("notready", {
        metadata: { name: "notready" },
        status: { conditions: [{ type: "Ready", status: "False" }] }
      })
      const kubeconfig = simpleKubeconfig({
        clusterName: "c",
        cluster: { server: SERVER },
        userName: "u",
        user: { token: "t" },
        contextName: "x"
      })
      const client = yield* Effect.flatMap(KubeApi, (k) => k.client(kubeconfig)).pipe(Effect.provide(api.layer))
      const { ca } = yield* makePki
      const out = output.fake(yield* Ref.make<ReadonlyArray<OutputLine>>([]))
      const layers = Layer.mergeAll(out, rootfs.fake().layer, crypto.layer, joinData(ca.certPem))
      const check = (name: string) => Effect.either(refuseReadyNode(client, name).pipe(Effect.provide(layers)))
      const ready = yield* check("ready")
      expect(Either.isLeft(ready) && ready.left._tag).toBe("KubeletError")
      expect(Either.isLeft(ready) && ready.left._tag === "KubeletError" && ready.left.reason).toBe("ReadyNodeExists")
      expect(yield* check("notready")).toEqual(Either.right("not-ready"))
      expect(yield* check("absent")).toEqual(Either.right("absent"))
    }).pipe(Effect.provide(crypto.layer))
  )

  it.effect("Ready and this machine holds its valid kubelet credentials: resumed, with a clear line", () =>
    Effect.gen(function* () {
      const api = kubeApi.fake(SERVER)
      api.nodes.set("cp-2", readyNode("cp-2"))
      const kubeconfig = simpleKubeconfig({
        clusterName: "c",
        cluster: { server: SERVER },
        userName: "u",
        user: { token: "t" },
        contextName: "x"
      })
      const client = yield* Effect.flatMap(KubeApi, (k) => k.client(kubeconfig)).pipe(Effect.provide(api.layer))
      const { ca, credential } = yield* makePki
      const own = yield* credential({ cn: "system:node:cp-2" })
      const lines = yield* Ref.make<ReadonlyArray<OutputLine>>([])
      const layers = Layer.mergeAll(
        output.fake(lines),
        rootfs.fake(kubeletFiles(ca.certPem, own.certPem + own.keyPem)).layer,
        crypto.layer,
        joinData(ca.certPem)
      )
      const result = yield* refuseReadyNode(client, "cp-2", { phase: "kubelet-start" }).pipe(Effect.provide(layers))
      expect(result).toBe("ours")
      expect((yield* Ref.get(lines)).map((l) => l.text)).toContain(
        '[kubelet-start] This machine is already Node "cp-2" (its kubelet client certificate is valid); resuming the join'
      )
    }).pipe(Effect.provide(crypto.layer))
  )
})

describe("this machine's kubelet credential (ownNodeCredential)", () => {
  const verdict = (seed: MemorySeed, caPem: string, name = "cp-2") =>
    ownNodeCredential(name, caPem).pipe(Effect.provide(Layer.merge(rootfs.fake(seed).layer, crypto.layer)))

  it.effect("ours only with the right name, the cluster's CA, within validity, and the matching private key here", () =>
    Effect.gen(function* () {
      const { ca, otherCa, credential } = yield* makePki
      const good = yield* credential({ cn: "system:node:cp-2" })
      const ok = yield* verdict(kubeletFiles(ca.certPem, good.certPem + good.keyPem), ca.certPem)
      expect(Either.isRight(ok)).toBe(true)
      // a CA bundle: any of its certificates may be the issuer
      expect(
        Either.isRight(
          yield* verdict(kubeletFiles(ca.certPem, good.certPem + good.keyPem), otherCa.certPem + ca.certPem)
        )
      ).toBe(true)

      const leftOf = (e: Either.Either<unknown, string>) => (Either.isLeft(e) ? e.left : "ours")
      expect(leftOf(yield* verdict({}, ca.certPem))).toContain("/etc/kubernetes/kubelet.conf does not exist")
      expect(
        leftOf(yield* verdict(kubeletFiles(ca.certPem, good.certPem + good.keyPem), ca.certPem, "cp-3"))
      ).toContain('not "system:node:cp-3"')
      const foreign = yield* credential({ cn: "system:node:cp-2", issuer: otherCa })
      expect(leftOf(yield* verdict(kubeletFiles(ca.certPem, foreign.certPem + foreign.keyPem), ca.certPem))).toContain(
        "not issued by this cluster's CA"
      )
      const expired = yield* credential({
        cn: "system:node:cp-2",
        notBefore: new Date(Date.now() - 3_600_000 * 48),
        notAfter: new Date(Date.now() - 3_600_000)
      })
      expect(leftOf(yield* verdict(kubeletFiles(ca.certPem, expired.certPem + expired.keyPem), ca.certPem))).toContain(
        "expired"
      )
      // the certificate alone (someone copied it): the private key is not here
      expect(leftOf(yield* verdict(kubeletFiles(ca.certPem, good.certPem), ca.certPem))).toContain("private key")
      // someone else's key next to our certificate
      const other = yield* credential({ cn: "system:node:cp-2" })
      expect(leftOf(yield* verdict(kubeletFiles(ca.certPem, good.certPem + other.keyPem), ca.certPem))).toContain(
        "does not belong"
      )
    }).pipe(Effect.provide(crypto.layer))
  )
})
