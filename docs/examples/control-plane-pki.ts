/**
 * Building a joining control plane's PKI: from the cluster's ClusterConfiguration (the
 * `kubeadm-config` ConfigMap) and the shared CAs (what download-certs writes), issue the
 * apiserver, kubelet-client, front-proxy-client and etcd certificates and the sa key pair
 * under a root folder, as `join phase control-plane-prepare certs` does. Every write goes
 * through RootFs: relative to the root, atomic, with the modes kubeadm uses; the keys come
 * from the Crypto service.
 */
import { Effect, Layer } from "effect"
import { output } from "@kubeadm-ts/join"
import * as crypto from "@kubeadm-ts/join/crypto"
import * as manifests from "@kubeadm-ts/join/manifests"
import * as pki from "@kubeadm-ts/join/pki"
import * as rootfs from "@kubeadm-ts/join/rootfs"

/** A CA's certificate and private key, PEM. */
export interface CaPair {
  readonly certPem: string
  readonly keyPem: string
}

/** This node's identity in the cluster. */
export interface ControlPlaneNode {
  readonly nodeName: string
  readonly advertiseAddress: string
  readonly bindPort: number
}

/** Writes the shared CAs, then builds every certificate; returns what was generated. */
export const buildControlPlanePki = (
  root: string,
  clusterConfiguration: Record<string, unknown>,
  node: ControlPlaneNode,
  cas: { readonly ca: CaPair; readonly frontProxyCa: CaPair; readonly etcdCa: CaPair }
) =>
  Effect.gen(function* () {
    const cfg = manifests.controlPlaneConfigFrom(clusterConfiguration, node)
    const fs = yield* rootfs.RootFs
    for (const [base, pair] of [
      ["ca", cas.ca],
      ["front-proxy-ca", cas.frontProxyCa],
      ["etcd/ca", cas.etcdCa]
    ] as const) {
      yield* fs.write(`${cfg.certificatesDir}/${base}.crt`, pair.certPem, { mode: 0o644 })
      yield* fs.write(`${cfg.certificatesDir}/${base}.key`, pair.keyPem, { mode: 0o600 })
    }
    const report = yield* pki.ensureControlPlaneCerts(cfg)
    return { certificatesDir: cfg.certificatesDir, generated: report.generated }
  }).pipe(Effect.provide(Layer.mergeAll(rootfs.layer(root), output.layer(0), crypto.layer)))
