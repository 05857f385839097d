/** The live `Host`: node:os, node:net, node:dns, child processes, the environment, files through RootFs. */
import { Effect, Option } from "effect"
import { execFile } from "node:child_process"
import { lookup } from "node:dns/promises"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import { RootFs } from "../../rootfs/rootfs.js"
import { causeText } from "../../cause-text.js"
import { KNOWN_CRI_ENDPOINTS } from "../../host/cri-endpoints.js"
import { HostError } from "../../host/errors.js"
import type { HostService } from "../../host/host.js"
import { criRuntimeConfigImplemented, criStatus, criVersion, socketPath } from "./cri.js"
import { proxyForUrl } from "./proxy.js"

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/** Listen on all addresses like Go's `net.Listen("tcp", ":port")`: dual-stack, else IPv4 only. */
const tryListen = (port: number, host: string) =>
  Effect.async<"free" | "in-use" | "unsupported">((resume) => {
    const server = net.createServer()
    server.once("error", (e: NodeJS.ErrnoException) =>
      resume(Effect.succeed(e.code === "EADDRINUSE" || e.code === "EACCES" ? "in-use" : "unsupported"))
    )
    server.listen({ port, host, exclusive: true, ...(host === "::" ? { ipv6Only: false } : {}) }, () =>
      server.close(() => resume(Effect.succeed("free")))
    )
  })

/** Listen on exactly `address` (a component's advertise address): only "in use" counts as taken. */
const portInUseAt = (address: string, port: number) =>
  Effect.async<boolean>((resume) => {
    const server = net.createServer()
    server.once("error", (e: NodeJS.ErrnoException) => resume(Effect.succeed(e.code === "EADDRINUSE")))
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resume(Effect.succeed(false))))
  })

const portInUse = (port: number) =>
  Effect.flatMap(tryListen(port, "::"), (r) =>
    r === "unsupported" ? Effect.map(tryListen(port, "0.0.0.0"), (v) => v === "in-use") : Effect.succeed(r === "in-use")
  )

/** The `*_proxy` variables of the environment (any case), set and not empty. */
const proxyVariables = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => /_proxy$/i.test(e[0]) && e[1] !== undefined && e[1] !== "")
  )

const proxyFor = (url: string): Option.Option<string> => proxyForUrl(url, process.env)

/** The interface of the default route from /proc/net/route (IPv4), then its address. */
const defaultRouteAddress = Effect.sync((): Option.Option<string> => {
  const interfaces = os.networkInterfaces()
  const addressOf = (name: string, family: "IPv4" | "IPv6") =>
    (interfaces[name] ?? []).find((a) => a.family === family && !a.internal && !a.address.startsWith("fe80"))?.address
  try {
    const lines = fs.readFileSync("/proc/net/route", "utf8").split("\n").slice(1)
    for (const line of lines) {
      const [iface, destination, , , , , , mask] = line.trim().split(/\s+/)
      if (iface !== undefined && destination === "00000000" && mask === "00000000") {
        const a = addressOf(iface, "IPv4")
        if (a !== undefined) return Option.some(a)
      }
    }
  } catch {
    /* no procfs: fall through to IPv6 */
  }
  try {
    const lines = fs.readFileSync("/proc/net/ipv6_route", "utf8").split("\n")
    for (const line of lines) {
      const cols = line.trim().split(/\s+/)
      if (cols[0] === "00000000000000000000000000000000" && cols[1] === "00") {
        const a = addressOf(cols[9] ?? "", "IPv6")
        if (a !== undefined) return Option.some(a)
      }
    }
  } catch {
    /* none */
  }
  return Option.none()
})

export const make: Effect.Effect<HostService, never, RootFs> = Effect.gen(function* () {
  const rootfs = yield* RootFs
  const pathDirs = (process.env["PATH"] ?? DEFAULT_PATH).split(":").filter((d) => d.startsWith("/"))

  // Each PATH folder is listed once per join (a dozen checks look up executables).
  const pathIndex = yield* Effect.cached(
    Effect.forEach(pathDirs, (dir) =>
      Effect.map(
        Effect.orElseSucceed(rootfs.list(dir), () => [] as ReadonlyArray<string>),
        (names) => [dir, new Set(names)] as const
      )
    )
  )
  const lookPath: HostService["lookPath"] = (name) =>
    Effect.gen(function* () {
      for (const [dir, names] of yield* pathIndex) {
        if (!names.has(name)) continue
        const candidate = `${dir}/${name}`
        const info = yield* Effect.orElseSucceed(rootfs.stat(candidate), () => Option.none())
        if (Option.isSome(info) && info.value.type === "File" && (info.value.mode & 0o111) !== 0)
          return Option.some(candidate)
      }
      return Option.none()
    })

  const run: HostService["run"] = (path, args) =>
    Effect.gen(function* () {
      const command = [path, ...args].join(" ")
      const hostPath = yield* Effect.mapError(
        rootfs.hostPath(path),
        (e) => new HostError({ reason: "CommandFailed", command, detail: e.message, cause: e })
      )
      return yield* Effect.async<{ stdout: string; stderr: string; exitCode: number }, HostError>((resume) => {
        const child = execFile(hostPath, [...args], { timeout: 10_000, encoding: "utf8" }, (err, stdout, stderr) => {
          if (err && typeof err.code !== "number") {
            resume(Effect.fail(new HostError({ reason: "CommandFailed", command, detail: err.message, cause: err })))
          } else {
            resume(Effect.succeed({ stdout, stderr, exitCode: err ? Number(err.code) : 0 }))
          }
        })
        return Effect.sync(() => child.kill())
      })
    })

  const socketExists = (endpoint: string) =>
    Effect.map(
      Effect.orElseSucceed(rootfs.stat(socketPath(endpoint)), () => Option.none()),
      (info) => Option.isSome(info) && info.value.type === "Socket"
    )

  const hostSocket = (endpoint: string) =>
    Effect.orElseSucceed(rootfs.hostPath(socketPath(endpoint)), () => socketPath(endpoint))

  const service: HostService = {
    effectiveUserId: Effect.sync(() => process.geteuid?.() ?? -1),
    hostname: Effect.sync(() => os.hostname()),
    kernelRelease: Effect.sync(() => os.release()),
    platform: process.platform,
    portInUse,
    lookupHost: (name) =>
      Effect.tryPromise({
        try: () => lookup(name, { all: true }),
        catch: (cause) => new HostError({ reason: "LookupFailed", host: name, detail: causeText(cause), cause })
      }).pipe(Effect.map((rs) => rs.map((r) => r.address))),
    lookPath,
    run,
    criEndpointsPresent: Effect.gen(function* () {
      const found: Array<string> = []
      const seen = new Set<string>()
      for (const endpoint of KNOWN_CRI_ENDPOINTS) {
        if (!(yield* socketExists(endpoint))) continue
        const real = yield* hostSocket(endpoint)
        if (seen.has(real)) continue
        seen.add(real)
        found.push(endpoint)
      }
      return found
    }),
    criStatus: (endpoint) => Effect.flatMap(hostSocket(endpoint), (s) => criStatus(endpoint, s)),
    criVersion: (endpoint) => Effect.flatMap(hostSocket(endpoint), (s) => criVersion(endpoint, s)),
    criRuntimeConfigImplemented: (endpoint) =>
      Effect.flatMap(hostSocket(endpoint), (s) => criRuntimeConfigImplemented(endpoint, s)),
    proxyFor,
    defaultRouteAddress,
    initSystem: Effect.gen(function* () {
      // Like sd_booted(): systemctl alone is not enough, systemd must be the running init.
      // Both are looked for in the machine whose root is --rootfs (lookPath lists PATH folders
      // inside the rootfs too): that is where the kubelet runs and whose init starts it.
      const booted = yield* Effect.orElseSucceed(rootfs.exists("/run/systemd/system"), () => false)
      if (booted && Option.isSome(yield* lookPath("systemctl"))) return "systemd" as const
      if (Option.isSome(yield* lookPath("openrc"))) return "openrc" as const
      return "none" as const
    }),
    portInUseAt,
    cpuCount: Effect.sync(() => os.cpus().length),
    proxyEnv: Effect.sync(() => proxyVariables(process.env)),
    processRunning: (name) =>
      Effect.sync(() => {
        try {
          return fs
            .readdirSync("/proc")
            .filter((d) => /^\d+$/.test(d))
            .some((pid) => {
              try {
                return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name
              } catch {
                return false
              }
            })
        } catch {
          return false
        }
      })
  }
  return service
})
