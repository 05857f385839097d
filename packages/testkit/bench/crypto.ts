/**
 * Crypto of a join, in process, through packages/join/src/crypto: RSA-2048 and ECDSA P-256 key
 * generation, the control-plane join's batch of RSA keys one after another vs all at once
 * (WebCrypto runs keygen on libuv's thread pool), and a kubelet CSR plus its signing by a CA.
 */
import { availableParallelism } from "node:os"
import {
  createCaCertificate,
  createCertificate,
  createCsr,
  generateKeyPair,
  type KeyAlgorithm,
  parseCsr
} from "@kubeadm-ts/join/crypto"
import { type Bench, fmt, printTable, processCpuMs, record, summarise, timingCells, timingHeader } from "./measure.js"

const time = async (f: () => Promise<unknown>): Promise<number> => {
  const t = performance.now()
  await f()
  return performance.now() - t
}

const repeat = async (n: number, f: () => Promise<unknown>): Promise<Array<number>> => {
  const out: Array<number> = []
  for (let i = 0; i < n; i++) out.push(await time(f))
  return out
}

/** Keys a control-plane join makes: 7 in the certs phase, 3 more for the kubeconfig files. */
const BATCHES: ReadonlyArray<{ readonly label: string; readonly keys: number }> = [
  { label: "certs phase", keys: 7 },
  { label: "certs + kubeconfig phases", keys: 10 }
]

export const crypto: Bench = {
  name: "crypto",
  description: "key generation (RSA-2048 sequential vs concurrent, ECDSA P-256), CSR + sign",
  run: async ({ runs = 5 }) => {
    const rows: Array<Array<string>> = []
    const single = async (label: string, alg: KeyAlgorithm, n: number) => {
      await generateKeyPair(alg) // warm-up
      rows.push([label, ...timingCells(summarise(await repeat(n, () => generateKeyPair(alg))), 2)])
    }
    await single("RSA-2048 keygen, one key", "rsa-2048", runs * 3)
    await single("ECDSA P-256 keygen, one key", "ecdsa-p256", runs * 10)

    // CPU time counts every thread of the process (keys generate on libuv's pool): CPU / wall is how
    // many cores the batch really used, which the machine's load does not change as much as the wall time.
    const cpuRows: Array<Array<string>> = []
    for (const b of BATCHES) {
      const seqCpu: Array<number> = []
      const parCpu: Array<number> = []
      const withCpu = (into: Array<number>, f: () => Promise<unknown>) => async () => {
        const c = processCpuMs()
        await f()
        into.push(processCpuMs() - c)
      }
      const seq = await repeat(
        runs,
        withCpu(seqCpu, async () => {
          for (let i = 0; i < b.keys; i++) await generateKeyPair("rsa-2048")
        })
      )
      const par = await repeat(
        runs,
        withCpu(parCpu, () => Promise.all(Array.from({ length: b.keys }, () => generateKeyPair("rsa-2048"))))
      )
      rows.push([`${b.keys} × RSA-2048 sequential (${b.label})`, ...timingCells(summarise(seq), 2)])
      rows.push([`${b.keys} × RSA-2048 concurrent (${b.label})`, ...timingCells(summarise(par), 2)])
      const cores = (cpu: Array<number>, wall: Array<number>) =>
        summarise(cpu.map((c, i) => c / (wall[i] ?? NaN))).median
      cpuRows.push([
        `${b.keys} × RSA-2048`,
        fmt(summarise(seqCpu).median, 0),
        fmt(cores(seqCpu, seq), 2),
        fmt(summarise(parCpu).median, 0),
        fmt(cores(parCpu, par), 2),
        fmt(summarise(parCpu).median / Math.min(availableParallelism(), b.keys), 0)
      ])
      const wall = summarise(par).median
      record({
        bench: "crypto",
        name: `${b.keys} × RSA-2048 concurrent (${b.label}), wall`,
        value: wall,
        unit: "ms",
        goal: "<= 1000 ms on 2 cores",
        met: wall <= 1000
      })
      record({
        bench: "crypto",
        name: `${b.keys} × RSA-2048 concurrent, CPU / ${availableParallelism()} cores (the wall time of an idle machine)`,
        value: summarise(parCpu).median / Math.min(availableParallelism(), b.keys),
        unit: "ms",
        goal: "<= 1000 ms on 2 cores",
        met: summarise(parCpu).median / Math.min(availableParallelism(), b.keys) <= 1000
      })
    }

    // A kubelet's CSR (ECDSA P-256) signed by an RSA-2048 CA and by an ECDSA CA.
    const kubelet = await generateKeyPair("ecdsa-p256")
    const spec = { commonName: "system:node:bench", organizations: ["system:nodes"] }
    const csrPem = await createCsr(kubelet, spec)
    rows.push([
      "kubelet CSR create (ECDSA P-256)",
      ...timingCells(summarise(await repeat(runs * 10, () => createCsr(kubelet, spec))), 2)
    ])
    rows.push(["CSR parse + verify", ...timingCells(summarise(await repeat(runs * 10, () => parseCsr(csrPem))), 2)])
    for (const alg of ["rsa-2048", "ecdsa-p256"] as const) {
      const caKeys = await generateKeyPair(alg)
      const issuer = { certPem: await createCaCertificate(caKeys, { commonName: "kubernetes" }), keys: caKeys }
      const sign = async () =>
        createCertificate((await parseCsr(csrPem)).spki, { ...spec, extKeyUsages: ["client"] }, issuer)
      await sign()
      rows.push([`CSR parse + sign by ${alg} CA`, ...timingCells(summarise(await repeat(runs * 10, sign)), 2)])
    }

    printTable(
      `Crypto (WebCrypto via @peculiar/x509), ${process.version}, ${availableParallelism()} CPUs, UV_THREADPOOL_SIZE=${process.env["UV_THREADPOOL_SIZE"] ?? "4 (default)"}`,
      ["operation", ...timingHeader()],
      rows
    )
    printTable(
      "RSA-2048 batches: CPU time of the process (every thread) and the cores it used (CPU / wall)",
      [
        "batch",
        "sequential CPU ms",
        "cores used",
        "concurrent CPU ms",
        "cores used",
        `concurrent CPU / ${availableParallelism()} cores ms`
      ],
      cpuRows
    )
    console.log(`\npeak RSS of this process after the crypto bench: ${fmt(process.resourceUsage().maxRSS / 1024)} MiB`)
  }
}
