import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as host from "../src/host/host.js"
import { Host } from "../src/host/host.js"
import * as rootfs from "../src/rootfs/rootfs.js"

const machine = () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "host-test-"))
  fs.mkdirSync(path.join(root, "usr/bin"), { recursive: true })
  fs.writeFileSync(path.join(root, "usr/bin/kubelet"), '#!/bin/sh\necho "Kubernetes v1.30.2"\n', { mode: 0o755 })
  fs.writeFileSync(path.join(root, "usr/bin/not-executable"), "x", { mode: 0o644 })
  return root
}
const live = (root: string) => host.layer.pipe(Layer.provide(rootfs.layer(root)))

describe("Host (live)", () => {
  it.live("finds executables on PATH inside the rootfs only, and runs them", () =>
    Effect.gen(function* () {
      const root = machine()
      const host = yield* Effect.provide(Host, live(root))
      const kubelet = yield* host.lookPath("kubelet")
      expect(kubelet).toEqual(Option.some("/usr/bin/kubelet"))
      expect(yield* host.lookPath("not-executable")).toEqual(Option.none())
      expect(yield* host.lookPath("sh")).toEqual(Option.none()) // the host's /bin/sh is not in this rootfs
      const out = yield* host.run("/usr/bin/kubelet", ["--version"])
      expect(out).toEqual({ stdout: "Kubernetes v1.30.2\n", stderr: "", exitCode: 0 })
      expect(yield* host.initSystem).toBe("none")
      expect(yield* host.criEndpointsPresent).toEqual([])
    })
  )

  it.live("the init system is the rootfs's: systemd needs both /run/systemd/system and systemctl there", () =>
    Effect.gen(function* () {
      const root = machine()
      fs.writeFileSync(path.join(root, "usr/bin/systemctl"), "#!/bin/sh\n", { mode: 0o755 })
      expect(yield* Effect.provide(Host, live(root)).pipe(Effect.flatMap((h) => h.initSystem))).toBe("none")
      fs.mkdirSync(path.join(root, "run/systemd/system"), { recursive: true })
      expect(yield* Effect.provide(Host, live(root)).pipe(Effect.flatMap((h) => h.initSystem))).toBe("systemd")
      const noCtl = machine()
      fs.mkdirSync(path.join(noCtl, "run/systemd/system"), { recursive: true })
      expect(yield* Effect.provide(Host, live(noCtl)).pipe(Effect.flatMap((h) => h.initSystem))).toBe("none")
    })
  )

  it.live("sees a port in use", () =>
    Effect.gen(function* () {
      const server = net.createServer()
      yield* Effect.promise(() => new Promise<void>((r) => server.listen(0, r)))
      const port = (server.address() as net.AddressInfo).port
      const host = yield* Effect.provide(Host, live(machine()))
      expect(yield* host.portInUse(port)).toBe(true)
      yield* Effect.promise(() => new Promise((r) => server.close(r)))
      expect(yield* host.portInUse(port)).toBe(false)
    })
  )
})
