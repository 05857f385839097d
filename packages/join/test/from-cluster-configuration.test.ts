import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { controlPlaneConfigFrom } from "../src/manifests/from-cluster-configuration.js"
import { renderFlags } from "../src/manifests/static-pods.js"
import { canonicalIp, firstHostIp } from "../src/pki/ip.js"

const node = { nodeName: "cp-2", advertiseAddress: "10.0.0.12", bindPort: 6443 }

const isMapping = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** A ClusterConfiguration document as kubeadm-config holds it: a YAML mapping. */
const yamlMapping = (text: string): Readonly<Record<string, unknown>> => {
  const doc: unknown = parse(text)
  if (!isMapping(doc)) throw new Error(`not a YAML mapping: ${text}`)
  return doc
}

describe("ClusterConfiguration -> control-plane config", () => {
  it("v1beta2 maps with kubeadm's defaults", () => {
    const doc = yamlMapping(`apiServer:
  certSANs: [LB.example.com]
  extraArgs: {authorization-mode: "Node,RBAC"}
apiVersion: kubeadm.k8s.io/v1beta2
controlPlaneEndpoint: lb.example.com:6443
etcd:
  local:
    dataDir: /var/lib/etcd
    serverCertSANs: [etcd.example.com]
kind: ClusterConfiguration
kubernetesVersion: v1.15.12
networking: {dnsDomain: cluster.local, serviceSubnet: 10.96.0.0/12}
`)
    const cfg = controlPlaneConfigFrom(doc, node)
    expect(cfg).toMatchObject({
      kubernetesVersion: "v1.15.12",
      imageRepository: "k8s.gcr.io",
      certificatesDir: "/etc/kubernetes/pki",
      clusterName: "kubernetes",
      controlPlaneEndpoint: "lb.example.com:6443",
      keyAlgorithm: "RSA-2048",
      networking: { podSubnet: "" },
      apiServer: { certSANs: ["lb.example.com"], extraArgs: { "authorization-mode": "Node,RBAC" } },
      etcd: { local: { dataDir: "/var/lib/etcd", serverCertSANs: ["etcd.example.com"], peerCertSANs: [] } }
    })
  })

  it("v1beta4: list extraArgs, encryptionAlgorithm, external etcd", () => {
    const doc = yamlMapping(`apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.0
encryptionAlgorithm: ECDSA-P256
apiServer:
  extraArgs:
  - {name: audit-log-path, value: /var/log/a.log}
etcd:
  external:
    endpoints: [https://10.0.0.5:2379]
    caFile: /etc/etcd/ca.crt
    certFile: /etc/etcd/client.crt
    keyFile: /etc/etcd/client.key
`)
    const cfg = controlPlaneConfigFrom(doc, node)
    expect(cfg.keyAlgorithm).toBe("ECDSA-P256")
    expect(cfg.imageRepository).toBe("registry.k8s.io")
    expect(cfg.apiServer.extraArgs).toEqual({ "audit-log-path": "/var/log/a.log" })
    expect(cfg.etcd.local).toBeUndefined()
    expect(cfg.etcd.external?.endpoints).toEqual(["https://10.0.0.5:2379"])
  })
})

describe("properties", () => {
  it("flags are sorted, unique, and extraArgs always win", () => {
    const key = fc.stringMatching(/^[a-z][a-z-]{0,12}$/)
    fc.assert(
      fc.property(fc.dictionary(key, fc.string()), fc.dictionary(key, fc.string()), (defaults, extra) => {
        const flags = renderFlags(defaults, extra)
        const keys = flags.map((f) => f.slice(2, f.indexOf("=")))
        expect(keys).toEqual([...new Set(keys)].sort())
        for (const [k, v] of Object.entries(extra)) expect(flags).toContain(`--${k}=${v}`)
      })
    )
  })

  it("the first host IP of an IPv4 CIDR is inside it and one above the network address", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 30 }), (ip, bits) => {
        const first = firstHostIp(`${ip}/${bits}`)
        const toN = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0)
        const size = 2 ** (32 - bits)
        expect(toN(first) % size).toBe(1)
        expect(Math.floor(toN(first) / size)).toBe(Math.floor(toN(ip) / size))
      })
    )
  })

  it("canonical IPv6 text is stable", () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(canonicalIp(canonicalIp(ip))).toBe(canonicalIp(ip))
      })
    )
    expect(canonicalIp("0:0:0:0:0:0:0:1")).toBe("::1")
  })
})
