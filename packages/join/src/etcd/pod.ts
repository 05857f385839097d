/** The stacked etcd member's static Pod, as kubeadm writes it for a control-plane join. */
import { Either } from "effect"
import { behaviourForVersion } from "../kubeadm-behaviour.js"
import { type ControlPlaneConfig, urlHost } from "../manifests/control-plane-config.js"
import {
  ETCD_ADVERTISE_ANNOTATION,
  etcdImage,
  type HostFacts,
  hostPath,
  noHostFacts,
  type Pod,
  probe,
  renderFlags,
  staticPod
} from "../manifests/static-pods.js"
import { EtcdError } from "./errors.js"

/** A member of `--initial-cluster`. */
export interface InitialMember {
  readonly name: string
  readonly peerURL: string
}

/** The host of the first listen-client-url extraArg (0.0.0.0 -> 127.0.0.1, :: -> ::1), for the probe. */
const etcdProbeHost = (extra: Readonly<Record<string, string>>, key: string, fallback: string): string => {
  const urls = extra[key]
  if (!urls) return fallback
  try {
    const h = new URL((urls.split(",")[0] ?? "").trim()).hostname.replace(/^\[|\]$/g, "")
    if (h === "0.0.0.0") return "127.0.0.1"
    if (h === "::") return "::1"
    return h
  } catch {
    return fallback
  }
}

/** The stacked etcd member's static Pod; `initialCluster` = existing members + this one. */
export const etcdPod = (
  cfg: ControlPlaneConfig,
  initialCluster: ReadonlyArray<InitialMember>,
  host: HostFacts = noHostFacts
): Either.Either<Pod, EtcdError> => {
  const local = cfg.etcd.local
  if (!local) return Either.left(new EtcdError({ reason: "NoLocalEtcd" }))
  const behaviour = behaviourForVersion(cfg.kubernetesVersion)
  const pki = cfg.certificatesDir
  const adv = urlHost(cfg.advertiseAddress)
  const loopback = cfg.advertiseAddress.includes(":") ? "[::1]" : "127.0.0.1"
  const defaults: Record<string, string> = {
    "advertise-client-urls": `https://${adv}:2379`,
    "cert-file": `${pki}/etcd/server.crt`,
    "client-cert-auth": "true",
    "data-dir": local.dataDir,
    "initial-advertise-peer-urls": `https://${adv}:2380`,
    "initial-cluster": initialCluster.map((m) => `${m.name}=${m.peerURL}`).join(","),
    "initial-cluster-state": "existing",
    "key-file": `${pki}/etcd/server.key`,
    "listen-client-urls": `https://${loopback}:2379,https://${adv}:2379`,
    "listen-peer-urls": `https://${adv}:2380`,
    name: cfg.nodeName,
    "peer-cert-file": `${pki}/etcd/peer.crt`,
    "peer-client-cert-auth": "true",
    "peer-key-file": `${pki}/etcd/peer.key`,
    "peer-trusted-ca-file": `${pki}/etcd/ca.crt`,
    "snapshot-count": "10000",
    "trusted-ca-file": `${pki}/etcd/ca.crt`
  }
  if (behaviour.etcdMetricsProbe) defaults["listen-metrics-urls"] = `http://${loopback}:2381`
  if (behaviour.currentStaticPods) {
    defaults["feature-gates"] = "InitialCorruptCheck=true"
    defaults["watch-progress-notify-interval"] = "5s"
  }
  const bareLoopback = loopback.replace(/^\[|\]$/g, "")
  const probeHost = etcdProbeHost(local.extraArgs, "listen-client-urls", bareLoopback)
  const livenessProbe = behaviour.etcdMetricsProbe
    ? probe(
        "HTTP",
        etcdProbeHost(local.extraArgs, "listen-metrics-urls", bareLoopback),
        2381,
        behaviour.currentStaticPods ? "/livez" : "/health"
      )
    : {
        exec: {
          command: [
            "/bin/sh",
            "-ec",
            `ETCDCTL_API=3 etcdctl --endpoints=https://[${probeHost}]:2379 --cacert=${pki}/etcd/ca.crt ` +
              `--cert=${pki}/etcd/healthcheck-client.crt --key=${pki}/etcd/healthcheck-client.key get foo`
          ]
        },
        failureThreshold: 8,
        initialDelaySeconds: 15,
        timeoutSeconds: 15
      }
  return Either.right(
    staticPod({
      component: "etcd",
      image: etcdImage(cfg),
      command: ["etcd", ...renderFlags(defaults, local.extraArgs)],
      livenessProbe,
      startupPath: "/readyz",
      readinessPath: "/readyz",
      ...(behaviour.currentStaticPods ? { cpu: "100m", memory: "100Mi" } : {}),
      mounts: [
        hostPath("etcd-certs", `${pki}/etcd`, "DirectoryOrCreate", false).volume,
        hostPath("etcd-data", local.dataDir, "DirectoryOrCreate", false).volume
      ],
      ...(behaviour.advertiseAnnotations
        ? { annotations: { [ETCD_ADVERTISE_ANNOTATION]: `https://${adv}:2379` } }
        : {}),
      env: host.proxyEnv,
      minor: behaviour.minor
    })
  )
}
