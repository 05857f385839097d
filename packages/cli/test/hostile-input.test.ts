/**
 * Hostile input, through the built CLI: files that could exhaust memory or hang the join
 * (/dev/zero, a FIFO, a directory, a file over 10 MiB, a YAML "billion laughs") given as
 * --config, --discovery-file or a --patches file; a --config symlinked out of the rootfs; an
 * API server whose cluster-info never ends, and one whose cluster-info carries 10,000 CA
 * certificates. Each is refused within seconds with an error naming the flag or file, writes
 * nothing, and stays under a peak RSS bound (GNU time). The symlinks-on-every-written-path half
 * of the suite is packages/testkit/test/e2e/e2e-hostile-symlinks.test.ts.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { basename, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createCaCertificate,
  createCertificate,
  generateKeyPair,
  jwsDetachedSign,
  privateKeyToPem
} from "@kubeadm-ts/join/crypto"
import { listing, removeDir, runCliMeasured, tempDir } from "./run-cli.js"

/** Generous: the CLI starts at about 70 MB; the unbounded runs reached 11.6 GB (/dev/zero) and 2.8 GB (cluster-info). */
const RSS_CAP_MB = 300
const SECONDS_CAP = 15

const token = "abcdef.0123456789abcdef"
const pin = "sha256:" + "0a".repeat(32)

const roots: Array<string> = []
afterAll(() => roots.forEach(removeDir))
const root = () => {
  const r = tempDir("kubeadm-ts-unbounded-")
  roots.push(r)
  return r
}

const expectRefused = (r: Awaited<ReturnType<typeof runCliMeasured>>, message: RegExp) => {
  expect(r.code, r.stderr).toBe(1)
  expect(r.stderr).toMatch(message)
  expect(r.peakRssMb).toBeLessThan(RSS_CAP_MB)
  expect(r.seconds).toBeLessThan(SECONDS_CAP)
  console.log(
    `peak RSS ${r.peakRssMb.toFixed(0)} MB in ${r.seconds.toFixed(2)} s: ${r.stderr.trim().split("\n").pop()}`
  )
}

const billionLaughs = () => {
  let y = "apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
  for (let i = 1; i < 10; i++)
    y += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(", ")}]\n`
  return y
}

describe("--config and --discovery-file: regular files of bounded size only", () => {
  it("--config /dev/zero is refused as not a regular file", async () => {
    const r = await runCliMeasured(["join", "--config", "/dev/zero"])
    expectRefused(r, /^unable to read config from "\/dev\/zero" : open \/dev\/zero: is not a regular file\n$/)
  })

  it("--config naming a FIFO is refused at once (no writer needed, no hang)", async () => {
    const dir = root()
    execFileSync("mkfifo", [join(dir, "join.yaml")])
    const r = await runCliMeasured(["join", "--config", "/join.yaml", "--rootfs", dir])
    expectRefused(r, /unable to read config from "\/join.yaml" : open \/join.yaml: is not a regular file/)
  })

  it("a 50 MB --config is refused without being read", async () => {
    const dir = root()
    writeFileSync(join(dir, "join.yaml"), "apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\n")
    truncateSync(join(dir, "join.yaml"), 50 * 1024 * 1024)
    const r = await runCliMeasured(["join", "--config", "/join.yaml", "--rootfs", dir])
    expectRefused(
      r,
      /unable to read config from "\/join.yaml" : open \/join.yaml: is larger than 262144 bytes \(the limit for a config file\)/
    )
  })

  it("--config naming a directory is refused", async () => {
    const dir = root()
    mkdirSync(join(dir, "join.yaml"))
    const r = await runCliMeasured(["join", "--config", "/join.yaml", "--rootfs", dir])
    expectRefused(
      r,
      /unable to read config from "\/join.yaml" : open \/join.yaml: (is a directory|is not a regular file)/
    )
  })

  it("a YAML alias bomb in --config stops at the alias limit", async () => {
    const dir = root()
    writeFileSync(join(dir, "join.yaml"), billionLaughs())
    const r = await runCliMeasured(["join", "--config", "/join.yaml", "--rootfs", dir])
    expectRefused(
      r,
      /^error converting YAML to JSON: yaml: Excessive alias count indicates a resource exhaustion attack\n$/
    )
  })

  it("a --config symlinked out of the rootfs never reads the host file, and its content is never shown", async () => {
    const dir = root()
    const outside = root()
    writeFileSync(
      join(outside, "secret.yaml"),
      `apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\nbogusSecretField: ${token}\n`
    )
    symlinkSync(join(outside, "secret.yaml"), join(dir, "join.yaml"))
    mkdirSync(join(dir, "etc"))
    symlinkSync("../../" + basename(outside), join(dir, "etc/up")) // relative, climbing out
    const before = listing(dir)
    const cases: Array<[string, string]> = [
      // an absolute link target is looked up inside the rootfs (RESOLVE_IN_ROOT), where it is not
      ["/join.yaml", "no such file or directory"],
      ["/etc/up/secret.yaml", "refused: a symbolic link on the way points outside the root filesystem"]
    ]
    for (const [config, reason] of cases) {
      const r = await runCliMeasured(["join", "--config", config, "--rootfs", dir])
      expectRefused(r, new RegExp(`unable to read config from "${config}" : open ${config}: ${reason}`))
      expect(r.stderr + r.stdout).not.toContain("bogusSecretField")
    }
    expect(listing(dir)).toEqual(before)
  })

  it("--discovery-file: /dev/zero (through a symlink), a FIFO and a 50 MB file are refused", async () => {
    const dir = root()
    execFileSync("mkfifo", [join(dir, "fifo.conf")])
    symlinkSync("/dev/zero", join(dir, "zero.conf")) // with --rootfs / this is /dev/zero itself (the last case)
    writeFileSync(join(dir, "big.conf"), "")
    truncateSync(join(dir, "big.conf"), 50 * 1024 * 1024)
    mkdirSync(join(dir, "dir.conf"))
    const cases: Array<[string, RegExp]> = [
      ["/fifo.conf", /discovery file "\/fifo.conf": couldn't read "\/fifo.conf": is not a regular file/],
      // an absolute link target is a path of the rootfs machine: <rootfs>/dev/zero, which is not there
      ["/zero.conf", /discovery file "\/zero.conf": couldn't read "\/zero.conf": no such file or directory/],
      ["/big.conf", /discovery file "\/big.conf": couldn't read "\/big.conf": is larger than 262144 bytes/],
      ["/dir.conf", /discovery file "\/dir.conf": couldn't read "\/dir.conf": (is a directory|is not a regular file)/]
    ]
    for (const [file, message] of cases) {
      const r = await runCliMeasured([
        "join",
        "--discovery-file",
        file,
        "--rootfs",
        dir,
        "--ignore-preflight-errors=all",
        "--node-name",
        "n1"
      ])
      expectRefused(r, message)
    }
    const zero = await runCliMeasured([
      "join",
      "--discovery-file",
      "/dev/zero",
      "--ignore-preflight-errors=all",
      "--node-name",
      "n1",
      "--rootfs",
      "/",
      "--skip-phases",
      "kubelet-start"
    ])
    expectRefused(zero, /discovery file "\/dev\/zero": couldn't read "\/dev\/zero": is not a regular file/)
  })
})

describe("--patches files: regular files of bounded size only", () => {
  /** A join that gets as far as loading its patches (they are read before anything is written). */
  const joinWithPatches = (rootfs: string, patches: string) =>
    runCliMeasured([
      "join",
      "127.0.0.1:1",
      "--token",
      token,
      "--discovery-token-unsafe-skip-ca-verification",
      "--node-name",
      "n1",
      "--rootfs",
      rootfs,
      "--patches",
      patches
    ])

  it.each([
    ["a FIFO", (dir: string) => execFileSync("mkfifo", [join(dir, "p/etcd.yaml")]), /is not a regular file/],
    [
      "a file over 10 MiB",
      (dir: string) => {
        writeFileSync(join(dir, "p/etcd.yaml"), "spec: {}\n")
        truncateSync(join(dir, "p/etcd.yaml"), 11 * 1024 * 1024)
      },
      /is larger than 262144 bytes/
    ],
    [
      "a link to /dev/zero (an absolute link stays inside the rootfs: missing there)",
      (dir: string) => symlinkSync("/dev/zero", join(dir, "p/etcd.yaml")),
      /no such file or directory\n/
    ]
  ])("a patch file that is %s is refused, naming the file", async (_, make, why) => {
    const dir = root()
    mkdirSync(join(dir, "p"))
    make(dir)
    const before = listing(dir)
    const r = await joinWithPatches(dir, "/p")
    expectRefused(
      r,
      new RegExp(`could not list patch files for path "/p": could not read the file "/p/etcd.yaml": .*${why.source}`)
    )
    expect(listing(dir)).toEqual(before)
  })

  it("a patch file linked to /dev/zero with --rootfs / is refused as not a regular file", async () => {
    const dir = root()
    symlinkSync("/dev/zero", join(dir, "kube-apiserver.yaml"))
    const r = await joinWithPatches("/", dir)
    expectRefused(r, new RegExp(`could not read the file "${dir}/kube-apiserver.yaml": .*is not a regular file`))
  })
})

describe("HTTP responses are capped", () => {
  let server: https.Server
  let endpoint = ""
  let mode: "endless" | "manyCas" = "endless"
  let manyCas = ""
  beforeAll(async () => {
    const caKeys = await generateKeyPair("ecdsa-p256")
    const caPem = await createCaCertificate(caKeys, { commonName: "kubernetes" })
    const keys = await generateKeyPair("ecdsa-p256")
    const cert = await createCertificate(
      keys.publicKey,
      { commonName: "kube-apiserver", ipAddresses: ["127.0.0.1"], extKeyUsages: ["server"] },
      { certPem: caPem, keys: caKeys }
    )
    // A cluster-info with 10,000 CA certificates (the cluster's CA, repeated), signed for the token.
    const bundle = caPem.repeat(10_000)
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: ""\n  cluster:\n    server: https://127.0.0.1\n    certificate-authority-data: ${Buffer.from(bundle).toString("base64")}\n`
    const [id = "", secret = ""] = token.split(".")
    manyCas = JSON.stringify({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { name: "cluster-info", namespace: "kube-public" },
      data: { kubeconfig, [`jws-kubeconfig-${id}`]: jwsDetachedSign(kubeconfig, id, secret) }
    })
    // An endless cluster-info: the old client read 2.8 GB of it before checking anything.
    server = https.createServer({ cert, key: await privateKeyToPem(keys.privateKey) }, (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      if (mode === "manyCas") return void res.end(manyCas)
      res.write('{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cluster-info"},"data":{"kubeconfig":"')
      const chunk = "A".repeat(64 * 1024)
      const pump = () => {
        while (!res.destroyed) if (!res.write(chunk)) return void res.once("drain", pump)
      }
      pump()
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  it("an endless cluster-info fails discovery at once, at a bounded RSS", async () => {
    const dir = root()
    const r = await runCliMeasured([
      "join",
      endpoint,
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      pin,
      "--rootfs",
      dir,
      "--ignore-preflight-errors=all",
      "--node-name",
      "n1"
    ])
    expectRefused(
      r,
      /couldn't read the cluster-info ConfigMap from "127\.0\.0\.1:\d+": the server's response is larger than 4194304 bytes/
    )
    expect(listing(dir)).toEqual([])
  })

  it("a cluster-info with 10,000 CA certificates is refused at once, at a bounded RSS", async () => {
    mode = "manyCas"
    const dir = root()
    try {
      const r = await runCliMeasured([
        "join",
        endpoint,
        "--token",
        token,
        "--discovery-token-ca-cert-hash",
        pin,
        "--rootfs",
        dir,
        "--ignore-preflight-errors=all",
        "--node-name",
        "n1"
      ])
      expectRefused(
        r,
        /couldn't read the cluster-info ConfigMap from "127\.0\.0\.1:\d+": the server's response is larger than 4194304 bytes/
      )
      expect(listing(dir)).toEqual([])
    } finally {
      mode = "endless"
    }
  })
})
