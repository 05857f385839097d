/**
 * A real containerd for tests: config, root, state and socket in a temp folder
 * (the socket where a node has it: `<rootfs>/run/containerd/containerd.sock`).
 * Its CRI plugin answers `runtime.v1` Version/Status over the socket. Missing
 * binary = a loud failure, never a skip.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The host's containerd, which `startContainerd` runs unless given another binary. */
export const CONTAINERD_BINARY = "/usr/bin/containerd"

/** A containerd started for one rootfs, its socket at `<rootfs>/run/containerd/containerd.sock` where the join's CRI check finds it. */
export interface Containerd {
  /** Host path of the socket. */
  readonly socket: string
  readonly process: ChildProcess
  readonly log: () => string
  readonly stop: () => Promise<void>
}

/** Starts containerd with its socket at `<rootfs>/run/containerd/containerd.sock`. */
export const startContainerd = async (rootfs: string, binary = CONTAINERD_BINARY): Promise<Containerd> => {
  if (!existsSync(binary)) {
    throw new Error(`containerd is required for this test but ${binary} is missing (apt-get install -y containerd)`)
  }
  const socket = join(rootfs, "run/containerd/containerd.sock")
  if (Buffer.byteLength(socket) >= 107)
    throw new Error(`socket path too long for a Unix socket (${socket.length} bytes): ${socket}`)
  await mkdir(join(rootfs, "run/containerd"), { recursive: true })
  const work = await mkdtemp(join(tmpdir(), "ctrd-"))
  const config = join(work, "config.toml")
  await writeFile(
    config,
    [
      "version = 2",
      `root = "${join(work, "root")}"`,
      `state = "${join(work, "state")}"`,
      "[grpc]",
      `  address = "${socket}"`,
      "[ttrpc]",
      `  address = "${socket}.ttrpc"`,
      "[debug]",
      '  address = ""',
      "[metrics]",
      '  address = ""',
      ""
    ].join("\n")
  )
  let output = ""
  // A clean environment: containerd reads no CONTAINERD_* surprises from ours.
  const child = spawn(binary, ["--config", config], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }
  })
  child.stdout.on("data", (c: Buffer) => (output += c.toString()))
  child.stderr.on("data", (c: Buffer) => (output += c.toString()))
  const deadline = Date.now() + 20_000
  for (;;) {
    const ready = await stat(socket).then(
      (s) => s.isSocket(),
      () => false
    )
    if (ready && output.includes("containerd successfully booted")) break
    if (child.exitCode !== null) throw new Error(`containerd exited (${child.exitCode}):\n${output}`)
    if (Date.now() > deadline) {
      child.kill()
      throw new Error(`containerd did not start within 20s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    socket,
    process: child,
    log: () => output,
    stop: async () => {
      // A call, not a property read: the exit code changes while we await, which narrowing cannot see.
      const running = () => child.exitCode === null
      if (running()) {
        const exited = new Promise((r) => child.once("exit", r))
        child.kill("SIGTERM")
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
        if (running()) child.kill("SIGKILL")
      }
      await rm(work, { recursive: true, force: true })
    }
  }
}
