/**
 * A real cluster made without `controlPlaneEndpoint`: workers may join, a
 * control-plane join is refused before anything is written or any etcd member
 * is added, with kubeadm's message.
 */
import { expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as realCluster from "../../src/real/real-cluster.js"
import { RealCluster } from "../../src/real/real-cluster.js"
import { etcdMembers } from "./control-plane-helpers.js"
import { expectNothingLeft } from "./worker-helpers.js"
import { withRealMachine } from "./real-helpers.js"

// The cluster is a scoped layer: its processes stop and its folder goes after the last test, or when one fails.
it.layer(realCluster.layer({ controlPlaneEndpoint: false }), { timeout: Duration.minutes(5) })(
  "real cluster without controlPlaneEndpoint",
  (it) => {
    it.effect(
      "refuses a control-plane join: no key written, etcd membership unchanged",
      () =>
        Effect.flatMap(RealCluster, (cluster) =>
          Effect.promise(async () => {
            const pki = join(cluster.controlPlane.root, "etc/kubernetes/pki/etcd")
            const tls = {
              ca: readFileSync(join(pki, "ca.crt"), "utf8"),
              cert: readFileSync(join(pki, "healthcheck-client.crt"), "utf8"),
              key: readFileSync(join(pki, "healthcheck-client.key"), "utf8")
            }
            const endpoints = [`https://${cluster.controlPlane.network.address}:2379`]
            const before = await etcdMembers(endpoints, tls)
            await withRealMachine(cluster, "control-plane-no-endpoint", async ({ node, root, join: joinOnNode }) => {
              const r = await joinOnNode([
                ...cluster.joinCommands.controlPlane,
                "--node-name",
                "control-plane-no-endpoint",
                "--apiserver-advertise-address",
                node.network.address
              ])
              expect(r.code, r.stdout + r.stderr).not.toBe(0)
              expect(r.stderr).toContain(
                "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address"
              )
              await expectNothingLeft(root)
            })
            expect(await etcdMembers(endpoints, tls)).toEqual(before)
          })
        ),
      200_000
    )
  }
)
