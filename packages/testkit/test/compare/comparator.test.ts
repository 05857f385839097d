/** The comparator's own parts, without a cluster: normalising, aligning output, files, the README's ids. */
import { describe, expect, it } from "vitest"
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createCaCertificate, createCertificate, generateKeyPair } from "@kubeadm-ts/join/crypto"
import { explain, readmeIds } from "../../src/compare/explanations.js"
import { certificateShape, compareFiles, snapshot } from "../../src/compare/files.js"
import { counts, summaryLine, table, type Item } from "../../src/compare/items.js"
import { normalise } from "../../src/compare/normalise.js"
import { alignLines, compareOutput, printed } from "../../src/compare/output.js"
import { firstErrorLine } from "../../src/compare/failures.js"

const A = { nodeName: "kubeadm-w", address: "198.18.1.3" }
const B = { nodeName: "kts-w", address: "198.18.1.4" }

describe("normalise", () => {
  it("replaces the node's name and address, durations, dates and the kubelet CA's second", () => {
    expect(
      normalise(
        "CN=kubeadm-w-ca@1796323350 system:node:kubeadm-w kubeadm-wx 198.18.1.3:6443 198.18.1.30 after 1.501867558s kubelet-client-2026-12-03-18-37-50.pem",
        A
      )
    ).toBe(
      "CN=<node-name>-ca@<time> system:node:<node-name> kubeadm-wx <node-address>:6443 198.18.1.30 after <duration> kubelet-client-<date>.pem"
    )
  })
})

describe("output", () => {
  it("aligns progress lines; a changed line is one difference, an extra line another", () => {
    const d = alignLines(
      ["[a] one", "[kubelet-start] Starting the kubelet", "[a] three"],
      ["[a] one", "[kubelet-start] Starting the kubelet service", "[x] extra", "[a] three"],
      "line"
    )
    expect(d.filter((x) => x.identical)).toHaveLength(2)
    expect(d.filter((x) => !x.identical).map((x) => x.difference)).toEqual([
      "kubeadm: [kubelet-start] Starting the kubelet | kubeadm-ts: [kubelet-start] Starting the kubelet service",
      "kubeadm-ts only: [x] extra"
    ])
  })

  it("splits progress, warnings (klog headers dropped) and the banner, each side normalised", () => {
    const a = printed(
      "[preflight] Running pre-flight checks\n[kubelet-check] The kubelet is healthy after 1.5s\n\nThis node has joined the cluster:\n* done\n",
      'E1203 18:37:48.869310    6691 remote_runtime.go:1359] "RuntimeConfig failed"\n\t[WARNING Hostname]: hostname "kubeadm-w" could not be reached\n',
      A
    )
    expect(a).toEqual({
      progress: ["[preflight] Running pre-flight checks", "[kubelet-check] The kubelet is healthy after <duration>"],
      warnings: ['klog: "RuntimeConfig failed"', '[WARNING Hostname]: hostname "<node-name>" could not be reached'],
      banner: "This node has joined the cluster:\n* done"
    })
    const b = printed(
      "[preflight] Running pre-flight checks\n[kubelet-check] The kubelet is healthy after 507ms\n\nThis node has joined the cluster:\n* done\n",
      '\t[WARNING Hostname]: hostname "kts-w" could not be reached\n',
      B
    )
    const items = compareOutput(a, b)
    expect(items.filter((i) => !i.identical).map((i) => i.difference)).toEqual([
      'kubeadm only: klog: "RuntimeConfig failed"'
    ])
  })

  it("takes the first error line, not warnings or klog lines", () => {
    expect(
      firstErrorLine(
        "\t[WARNING Hostname]: x\nI1203 18:37:48.869310    6691 a.go:1] error in log\nerror execution phase preflight: [preflight] Some fatal errors occurred:\n",
        A
      )
    ).toBe("error execution phase preflight: [preflight] Some fatal errors occurred:")
  })
})

describe("files", () => {
  it("compares paths, modes, links and contents by kind, node values normalised", async () => {
    const roots = [mkdtempSync(join(tmpdir(), "cmp-a-")), mkdtempSync(join(tmpdir(), "cmp-b-"))] as const
    try {
      const caKeys = await generateKeyPair("rsa-2048")
      const ca = await createCaCertificate(caKeys, { commonName: "kubernetes" })
      const leafKeys = await generateKeyPair("ecdsa-p256")
      for (const [root, side, mode] of [
        [roots[0], A, 0o600],
        [roots[1], B, 0o644]
      ] as const) {
        mkdirSync(join(root, "etc/kubernetes/pki"), { recursive: true })
        mkdirSync(join(root, "var/lib/kubelet/pki"), { recursive: true })
        const cert = await createCertificate(
          leafKeys.publicKey,
          { commonName: `system:node:${side.nodeName}`, organizations: ["system:nodes"], extKeyUsages: ["client"] },
          { certPem: ca, keys: caKeys }
        )
        writeFileSync(join(root, "var/lib/kubelet/pki/kubelet-client-2026-12-03-18-37-50.pem"), cert, { mode: 0o600 })
        symlinkSync(
          "/var/lib/kubelet/pki/kubelet-client-2026-12-03-18-37-50.pem",
          join(root, "var/lib/kubelet/pki/kubelet-client-current.pem")
        )
        writeFileSync(join(root, "var/lib/kubelet/config.yaml"), side === A ? "a:\n- 1\n" : "a:\n  - 1\n")
        writeFileSync(
          join(root, "var/lib/kubelet/kubeadm-flags.env"),
          `KUBELET_KUBEADM_ARGS="--b=1 --hostname-override=${side.nodeName}"\n`
        )
        writeFileSync(join(root, "etc/kubernetes/pki/ca.crt"), ca, { mode })
      }
      const items = compareFiles(snapshot(roots[0]), snapshot(roots[1]), { kubeadm: A, kubeadmTs: B })
      expect(items.filter((i) => !i.identical)).toEqual([
        { name: "etc/kubernetes/pki/ca.crt", identical: false, difference: "mode 0600 vs 0644" }
      ])
      expect(items.map((i) => i.name)).toContain("var/lib/kubelet/pki/kubelet-client-<date>.pem")
      expect(certificateShape(ca)[0]).toMatchObject({ keyType: "rsa", keySize: 2048, ca: true })
    } finally {
      for (const r of roots) rmSync(r, { recursive: true, force: true })
    }
  })
})

describe("explanations", () => {
  const readme = [
    "# x",
    "## Where kubeadm-ts differs from kubeadm 1.15, and why",
    "- <!-- compare: image-pull, system-verification --> **Preflight** ...",
    "## Next",
    "- <!-- compare: not-in-section -->"
  ].join("\n")

  it("reads the ids of the section only", () => {
    expect([...readmeIds(readme)].sort()).toEqual(["image-pull", "system-verification"])
  })

  it("explains a difference only when a rule matches and the README has its id", () => {
    const d = {
      name: "progress line",
      difference: "kubeadm only: [preflight] Pulling images required for setting up a Kubernetes cluster"
    }
    expect(explain("output", d, readmeIds(readme))).toBe("image-pull")
    expect(explain("output", d, new Set())).toBeUndefined()
    expect(
      explain("output", { name: "progress line", difference: "kubeadm-ts only: [x] y" }, readmeIds(readme))
    ).toBeUndefined()
  })
})

describe("report", () => {
  it("counts, summarises and tabulates", () => {
    const items: Array<Item> = [
      { case: "c", area: "files", name: "a", status: "identical", difference: "" },
      { case: "c", area: "files", name: "b", status: "explained", difference: "x", explainedBy: "image-pull" },
      { case: "c", area: "output", name: "l", status: "unexplained", difference: "y|z" }
    ]
    expect(counts(items)).toEqual({ compared: 3, identical: 1, explained: 1, unexplained: 1 })
    expect(summaryLine(items)).toBe("1 of 3 compared items identical; 1 differences explained; 1 unexplained")
    const t = table({ kubeadmVersion: "v1.37.2", items, timings: [{ case: "c", kubeadmMs: 1500, kubeadmTsMs: 2500 }] })
    expect(t).toContain("| c | files | identical | 1 of 2 items |")
    expect(t).toContain("| c | output | different (UNEXPLAINED) | l: y\\|z |")
    expect(t).toContain("| c | time | - | kubeadm 1.50 s, kubeadm-ts 2.50 s |")
    expect(t.split("\n").at(-1)).toBe(summaryLine(items))
  })
})

describe("certificate lines", () => {
  it("sorts each run of [certs] Generating blocks (kubeadm walks a Go map), keeping the rest in place", async () => {
    const { certsInOrder } = await import("../../src/compare/output.js")
    expect(
      certsInOrder([
        '[certs] Using certificateDir folder "/etc/kubernetes/pki"',
        '[certs] Generating "etcd/peer" certificate and key',
        "[certs] etcd/peer serving cert is signed for DNS names [n localhost]",
        '[certs] Generating "apiserver-etcd-client" certificate and key',
        '[certs] Valid certificates and keys now exist in "/etc/kubernetes/pki"'
      ])
    ).toEqual([
      '[certs] Using certificateDir folder "/etc/kubernetes/pki"',
      '[certs] Generating "apiserver-etcd-client" certificate and key',
      '[certs] Generating "etcd/peer" certificate and key',
      "[certs] etcd/peer serving cert is signed for DNS names [n localhost]",
      '[certs] Valid certificates and keys now exist in "/etc/kubernetes/pki"'
    ])
  })
})

describe("etcd's initial cluster", () => {
  it("drops the other side's member (the joins of a case run one after the other)", async () => {
    const { withoutMember } = await import("../../src/compare/files.js")
    const other = { nodeName: "kubeadm-cp", address: "198.18.1.5" }
    expect(
      withoutMember(
        "- --initial-cluster=kts-cp=https://198.18.1.6:2380,control-plane-0=https://198.18.1.2:2380,kubeadm-cp=https://198.18.1.5:2380\n",
        other
      )
    ).toBe("- --initial-cluster=kts-cp=https://198.18.1.6:2380,control-plane-0=https://198.18.1.2:2380\n")
    expect(withoutMember("- --initial-cluster=kubeadm-cp=https://198.18.1.5:2380,a=https://x:2380\n", other)).toBe(
      "- --initial-cluster=a=https://x:2380\n"
    )
  })
})
