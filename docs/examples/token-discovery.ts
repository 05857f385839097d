/**
 * Token discovery with CA pinning: read the cluster's public `cluster-info`, check its
 * signature with the bootstrap token and its CA against the pins, then reconnect over TLS
 * trusting only the pinned CA. A wrong pin fails at once with `DiscoveryError` "PinMismatch".
 */
import { Duration, Effect, Layer } from "effect"
import { output } from "@kubeadm-ts/join"
import * as crypto from "@kubeadm-ts/join/crypto"
import * as discovery from "@kubeadm-ts/join/discovery"
import * as kubeApi from "@kubeadm-ts/join/kube-api"

/** The verified API server URL and CA of a cluster, from `host:port`, a bootstrap token and the CA pins. */
export const discoverCluster = (endpoint: string, token: string, pins: ReadonlyArray<string>) =>
  discovery
    .tokenDiscovery(
      { apiServerEndpoint: endpoint, token, caCertHashes: pins, unsafeSkipCAVerification: false },
      Duration.seconds(30)
    )
    .pipe(
      Effect.map(({ server, caPem }) => ({ server, caPem })),
      // The live Kubernetes client, the crypto it verifies with, and quiet output (verbosity 0).
      Effect.provide(Layer.mergeAll(kubeApi.layer, crypto.layer, output.layer(0)))
    )

/** The same, telling a pin mismatch (someone else's CA, or a typo) apart from the other failures. */
export const discoverOrExplain = (endpoint: string, token: string, pins: ReadonlyArray<string>) =>
  discoverCluster(endpoint, token, pins).pipe(
    Effect.map((cluster) => `trusted ${cluster.server}`),
    Effect.catchTag("DiscoveryError", (e) =>
      Effect.succeed(
        e.reason === "PinMismatch" ? `refused: the cluster's CA is ${(e.seen ?? []).join(", ")}` : e.message
      )
    )
  )
