/** argv -> route -> @effect/cli -> JoinFlags, in-process: the values the join really receives. */
import { CliConfig, Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import type { JoinFlags } from "@kubeadm-ts/join/config"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { rootCommand } from "../src/commands.js"
import { route } from "../src/route.js"

const parse = async (args: ReadonlyArray<string>): Promise<{ flags: JoinFlags; phase: string | undefined }> => {
  const r = route(args)
  if (!("argv" in r)) throw new Error(JSON.stringify(r))
  let seen: { flags: JoinFlags; phase: string | undefined } | undefined
  const cli = Command.run(
    rootCommand(r.changed, (flags, phase) => Effect.sync(() => void (seen = { flags, phase }))),
    { name: "kubeadm-ts", version: "test" }
  )
  await Effect.runPromise(
    cli(["node", "kubeadm-ts", ...r.argv]).pipe(
      Effect.provide(Layer.merge(NodeContext.layer, CliConfig.layer({ isCaseSensitive: true })))
    )
  )
  if (seen === undefined) throw new Error("the join runner was not called")
  return seen
}

describe("flags reach the join as given", () => {
  it("every join flag", async () => {
    const { flags, phase } = await parse([
      "join",
      "10.0.0.1:6443",
      "--token=abcdef.0123456789abcdef",
      "--discovery-token",
      "d",
      "--discovery-token-ca-cert-hash",
      "sha256:a,sha256:b",
      "--discovery-token-ca-cert-hash=sha256:c",
      "--discovery-token-unsafe-skip-ca-verification",
      "--discovery-file",
      "/f",
      "--tls-bootstrap-token",
      "t",
      "--node-name",
      "n",
      "--cri-socket",
      "/run/c.sock",
      "--ignore-preflight-errors",
      "Swap,all",
      "--experimental-control-plane",
      "--certificate-key",
      "k",
      "--apiserver-advertise-address",
      "10.0.0.9",
      "--apiserver-bind-port",
      "7443",
      "--etcd-learner",
      "--skip-phases",
      "preflight",
      "--rootfs",
      "/tmp",
      "-v",
      "4",
      "--self-tls-bootstrap",
      "--patches",
      "/p",
      "--dry-run",
      "--config",
      "/c.yaml"
    ])
    expect(phase).toBeUndefined()
    const { changed, ...rest } = flags
    expect(rest).toEqual({
      apiServerEndpoint: "10.0.0.1:6443",
      config: "/c.yaml",
      token: "abcdef.0123456789abcdef",
      discoveryToken: "d",
      discoveryTokenCaCertHash: ["sha256:a", "sha256:b", "sha256:c"],
      discoveryTokenUnsafeSkipCaVerification: true,
      discoveryFile: "/f",
      tlsBootstrapToken: "t",
      nodeName: "n",
      criSocket: "/run/c.sock",
      ignorePreflightErrors: ["Swap", "all"],
      controlPlane: true,
      certificateKey: "k",
      apiserverAdvertiseAddress: "10.0.0.9",
      apiserverBindPort: 7443,
      etcdLearner: true,
      skipPhases: ["preflight"],
      rootfs: "/tmp",
      verbosity: 4,
      selfTlsBootstrap: true,
      patches: "/p",
      dryRun: true
    })
    expect([...changed]).toContain("experimental-control-plane")
    expect(changed.has("control-plane")).toBe(false)
  })

  it("defaults when nothing is given", async () => {
    const { flags } = await parse(["join"])
    expect(flags.apiServerEndpoint).toBeUndefined()
    expect(flags.apiserverBindPort).toBe(6443)
    expect(flags.rootfs).toBe("/")
    expect(flags.controlPlane).toBe(false)
    expect(flags.changed.size).toBe(0)
  })

  it("join phase <parent> all runs the parent; a leaf runs its full name", async () => {
    expect((await parse(["join", "phase", "control-plane-prepare", "all", "--control-plane"])).phase).toBe(
      "control-plane-prepare"
    )
    const leaf = await parse(["join", "phase", "kubelet-start", "10.0.0.1:6443", "--self-tls-bootstrap"])
    expect(leaf.phase).toBe("kubelet-start")
    expect(leaf.flags.selfTlsBootstrap).toBe(true)
    expect(leaf.flags.apiServerEndpoint).toBe("10.0.0.1:6443")
    expect((await parse(["join", "phase", "control-plane-join", "etcd", "--etcd-learner"])).phase).toBe(
      "control-plane-join/etcd"
    )
  })
})
