/**
 * A test network of real hosts on this one machine: a bridge in the host's
 * namespace and, for each node, a network namespace joined to it by a veth
 * pair. Each node has its own non-loopback address and its own loopback, so
 * the real components' fixed ports (6443, 2379, 10250, 10257, ...) and the
 * kubelet's refusal of loopback node IPs are no problem, and several clusters
 * (concurrent test files) live side by side.
 *
 * Addresses come from 198.18.0.0/15 (RFC 2544, reserved for test networks):
 * one /24 per network, `198.18.<n>.1` on the bridge, nodes from `.2`. The
 * subnet index is claimed by an atomic mkdir under /run, so concurrent
 * processes never share one; a claim whose owner died is reclaimed.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const CLAIMS = "/run/kubeadm-ts-net"

/** One node's place on the test network: its namespace and address. */
export interface NetworkNode {
  readonly name: string
  /** The network namespace (`ip netns exec <netns> ...`). */
  readonly netns: string
  /** The node's address on the test network. */
  readonly address: string
}

/** A bridge and per-node network namespaces, so each node of a real cluster has its own address. */
export interface TestNetwork {
  readonly index: number
  /** The host's address on the bridge. */
  readonly gateway: string
  readonly addNode: (name: string) => NetworkNode
  readonly close: () => void
}

const ip = (...args: Array<string>) => {
  try {
    execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] })
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e)
    throw new Error(`ip ${args.join(" ")}: ${stderr}`, { cause: e })
  }
}
const quietly = (f: () => void) => {
  try {
    f()
  } catch {
    // best effort: part of a cleanup
  }
}

const bridgeName = (index: number) => `ktsbr${index}`
const netnsName = (index: number, node: number) => `kts${index}-${node}`
const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const names = (command: Array<string>, prefix: string) =>
  execFileSync("ip", command, { encoding: "utf8" })
    .split("\n")
    .map((l) => (l.split(" ")[0] ?? "").split("@")[0] ?? "")
    .filter((n) => n.startsWith(prefix))

/**
 * Removes what a network with this index left behind (after a crash of its owner): its
 * namespaces, its bridge, and host-side veths whose namespace a leftover process still holds.
 */
const sweep = (index: number) => {
  quietly(() => names(["netns", "list"], `kts${index}-`).forEach((n) => quietly(() => ip("netns", "del", n))))
  quietly(() => names(["-br", "link"], `kts${index}v`).forEach((n) => quietly(() => ip("link", "del", n))))
  quietly(() => ip("link", "del", bridgeName(index)))
}

const claimIndex = (): number => {
  mkdirSync(CLAIMS, { recursive: true })
  for (let index = 1; index < 255; index++) {
    const dir = join(CLAIMS, String(index))
    try {
      mkdirSync(dir)
    } catch {
      const owner = Number(readFileSync(join(dir, "pid"), { encoding: "utf8", flag: "a+" }) || "0")
      if (owner > 0 && pidAlive(owner)) continue
      // (an empty pid file may be a claim being written right now: leave it)
      if (owner === 0) continue
      sweep(index)
      rmSync(dir, { recursive: true, force: true })
      try {
        mkdirSync(dir)
      } catch {
        continue
      }
    }
    writeFileSync(join(dir, "pid"), String(process.pid))
    return index
  }
  throw new Error(`no free test network: all 254 claims under ${CLAIMS} are held by live processes`)
}

/** Creates the bridge of a new test network. Requires root (CAP_NET_ADMIN). */
export const createNetwork = (): TestNetwork => {
  const index = claimIndex()
  const bridge = bridgeName(index)
  const gateway = `198.18.${index}.1`
  sweep(index)
  ip("link", "add", bridge, "type", "bridge")
  ip("addr", "add", `${gateway}/24`, "dev", bridge)
  ip("link", "set", bridge, "up")
  const nodes: Array<string> = []
  return {
    index,
    gateway,
    addNode: (name) => {
      const n = nodes.length + 1
      if (n > 250) throw new Error("a test network holds at most 250 nodes")
      const netns = netnsName(index, n)
      const veth = `kts${index}v${n}`
      const address = `198.18.${index}.${n + 1}`
      ip("netns", "add", netns)
      nodes.push(netns)
      ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns)
      ip("link", "set", veth, "master", bridge, "up")
      ip("-n", netns, "addr", "add", `${address}/24`, "dev", "eth0")
      ip("-n", netns, "link", "set", "eth0", "up")
      ip("-n", netns, "link", "set", "lo", "up")
      ip("-n", netns, "route", "add", "default", "via", gateway)
      return { name, netns, address }
    },
    close: () => {
      for (const netns of nodes) quietly(() => ip("netns", "del", netns))
      quietly(() => ip("link", "del", bridge))
      const dir = join(CLAIMS, String(index))
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true })
    }
  }
}
