import { Pod, type IPod } from "kubernetes-models/v1"
import { assert, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { Either } from "effect"
import {
  controlPlanePods,
  kubeApiServerPod,
  kubeControllerManagerPod,
  kubeSchedulerPod,
  podYaml
} from "../src/manifests/index.js"
import { etcdPod as etcdPodOrError } from "../src/etcd/pod.js"
import { sampleConfig } from "./fixtures/control-plane-config.js"

const etcdPod = (...args: Parameters<typeof etcdPodOrError>) => Either.getOrThrow(etcdPodOrError(...args))

/** The generated object seen as core/v1's Pod type (the guard checks apiVersion and kind). */
const typed = (pod: unknown): IPod => {
  assert(Pod.is(pod), "a core/v1 Pod")
  return pod
}

const container = (pod: IPod) => {
  const first = pod.spec?.containers[0]
  assert(first !== undefined, "the Pod has a container")
  return first
}

const command = (pod: IPod): Array<string> => container(pod).command ?? []

const validateYaml = (pod: Record<string, unknown>) => {
  const text = podYaml(pod)
  const back = typed(parse(text, { version: "1.1" }))
  // the OpenAPI schema of core/v1 Pod, as published by kubernetes-models
  new Pod(back).validate()
  return back
}

describe("static Pod manifests", () => {
  it("all four validate as core/v1 Pods, for 1.15 and a current version", () => {
    for (const v of ["v1.15.12", "v1.28.4", "v1.37.2"]) {
      const cfg = sampleConfig({ kubernetesVersion: v })
      for (const pod of Object.values(controlPlanePods(cfg))) validateYaml(pod)
      validateYaml(
        etcdPod(cfg, [
          { name: "cp-1", peerURL: "https://10.0.0.11:2380" },
          { name: "cp-2", peerURL: "https://10.0.0.12:2380" }
        ])
      )
    }
  })

  it("1.37: probes on the named port probe-port, startup and readiness probes, priority and seccomp, as the real kubeadm 1.37 writes them", () => {
    const cfg = sampleConfig({ kubernetesVersion: "v1.37.2" })
    const api = typed(kubeApiServerPod(cfg))
    const c = container(api)
    expect(c.ports).toEqual([{ containerPort: 6443, name: "probe-port", protocol: "TCP" }])
    expect(c.livenessProbe).toEqual({
      failureThreshold: 8,
      httpGet: { host: "10.0.0.12", path: "/livez", port: "probe-port", scheme: "HTTPS" },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 15
    })
    expect(c.readinessProbe).toEqual({
      failureThreshold: 3,
      httpGet: { host: "10.0.0.12", path: "/readyz", port: "probe-port", scheme: "HTTPS" },
      periodSeconds: 1,
      timeoutSeconds: 15
    })
    expect(c.startupProbe).toMatchObject({ failureThreshold: 24, initialDelaySeconds: 10, periodSeconds: 10 })
    expect(api.spec?.priority).toBe(2000001000)
    expect(api.spec?.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } })
    expect(api.metadata).not.toHaveProperty("creationTimestamp")
    const kcm = container(typed(kubeControllerManagerPod(cfg)))
    expect(kcm.readinessProbe).toBeUndefined()
    expect(kcm.startupProbe?.httpGet?.path).toBe("/healthz")
    expect(container(typed(kubeSchedulerPod(cfg))).livenessProbe?.httpGet?.path).toBe("/livez")
    const etcd = typed(etcdPod(cfg, [{ name: "cp-2", peerURL: "https://10.0.0.12:2380" }]))
    expect(command(etcd)).toEqual(
      expect.arrayContaining(["--feature-gates=InitialCorruptCheck=true", "--watch-progress-notify-interval=5s"])
    )
    expect(container(etcd).resources).toEqual({ requests: { cpu: "100m", memory: "100Mi" } })
    expect(container(etcd).livenessProbe?.httpGet?.path).toBe("/livez")
    expect(container(etcd).readinessProbe?.httpGet?.path).toBe("/readyz")
    // and 1.28 keeps the earlier shape
    expect(
      container(typed(kubeApiServerPod(sampleConfig({ kubernetesVersion: "v1.28.4" })))).startupProbe
    ).toBeUndefined()
  })

  it("kube-apiserver carries kubeadm's 1.15 flags, sorted, and its image", () => {
    const pod = typed(kubeApiServerPod(sampleConfig()))
    const cmd = command(pod)
    expect(cmd[0]).toBe("kube-apiserver")
    expect(cmd.slice(1)).toEqual([...cmd.slice(1)].sort())
    expect(cmd).toContain("--advertise-address=10.0.0.12")
    expect(cmd).toContain("--authorization-mode=Node,RBAC")
    expect(cmd).toContain("--etcd-servers=https://127.0.0.1:2379")
    expect(cmd).toContain("--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt")
    expect(cmd).toContain("--insecure-port=0")
    expect(cmd).toContain("--secure-port=6443")
    expect(cmd).toContain("--service-cluster-ip-range=10.96.0.0/12")
    expect(cmd).toContain("--enable-bootstrap-token-auth=true")
    expect(container(pod).image).toBe("k8s.gcr.io/kube-apiserver:v1.15.12")
    expect(pod.spec?.priorityClassName).toBe("system-cluster-critical")
    expect(pod.metadata?.labels).toEqual({ component: "kube-apiserver", tier: "control-plane" })
    expect(container(pod).livenessProbe).toEqual({
      failureThreshold: 8,
      httpGet: { host: "10.0.0.12", path: "/healthz", port: 6443, scheme: "HTTPS" },
      initialDelaySeconds: 15,
      timeoutSeconds: 15
    })
    expect(pod.spec?.volumes?.map((v) => v.name)).toEqual(["ca-certs", "k8s-certs"])
  })

  it("extraArgs win over defaults and extraVolumes are added, sorted by name", () => {
    const cfg = sampleConfig({
      apiServer: {
        extraArgs: { "authorization-mode": "Node,Bogus,RBAC", "audit-log-path": "/var/log/a.log" },
        extraVolumes: [
          { name: "audit", hostPath: "/var/log", mountPath: "/var/log", readOnly: false, pathType: "DirectoryOrCreate" }
        ],
        certSANs: []
      }
    })
    const raw = kubeApiServerPod(cfg, {
      existingCaDirs: ["/etc/pki"],
      flexvolumeDirExists: false,
      proxyEnv: [{ name: "HTTPS_PROXY", value: "http://p:3128" }]
    })
    const pod = typed(raw)
    expect(command(pod)).toContain("--authorization-mode=Node,RBAC")
    expect(command(pod)).toContain("--audit-log-path=/var/log/a.log")
    expect(pod.spec?.volumes?.map((v) => v.name)).toEqual(["audit", "ca-certs", "etc-pki", "k8s-certs"])
    expect(container(pod).env).toEqual([{ name: "HTTPS_PROXY", value: "http://p:3128" }])
    validateYaml(raw)
  })

  it("controller-manager and scheduler: flags, ports, kubeconfig mounts", () => {
    const cm = typed(kubeControllerManagerPod(sampleConfig()))
    expect(command(cm)).toEqual(
      expect.arrayContaining([
        "--allocate-node-cidrs=true",
        "--cluster-cidr=10.244.0.0/16",
        "--node-cidr-mask-size=24",
        "--controllers=*,bootstrapsigner,tokencleaner",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key"
      ])
    )
    expect(command(cm)).not.toContain("--service-cluster-ip-range=10.96.0.0/12")
    expect(container(cm).livenessProbe?.httpGet?.port).toBe(10252)
    expect(cm.spec?.volumes?.map((v) => v.name)).toEqual(["ca-certs", "flexvolume-dir", "k8s-certs", "kubeconfig"])
    const s = typed(kubeSchedulerPod(sampleConfig()))
    expect(command(s)).toEqual([
      "kube-scheduler",
      "--bind-address=127.0.0.1",
      "--kubeconfig=/etc/kubernetes/scheduler.conf",
      "--leader-elect=true"
    ])
    expect(container(s).livenessProbe?.httpGet?.port).toBe(10251)
    expect(container(s).resources).toEqual({ requests: { cpu: "100m" } })
  })

  it("etcd: initial cluster, existing state, mounts, probe, annotation on newer clusters", () => {
    const members = [
      { name: "cp-1", peerURL: "https://10.0.0.11:2380" },
      { name: "cp-2", peerURL: "https://10.0.0.12:2380" }
    ]
    const pod = typed(etcdPod(sampleConfig(), members))
    expect(command(pod)).toEqual(
      expect.arrayContaining([
        "--initial-cluster=cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380",
        "--initial-cluster-state=existing",
        "--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.12:2379",
        "--listen-peer-urls=https://10.0.0.12:2380",
        "--advertise-client-urls=https://10.0.0.12:2379",
        "--name=cp-2",
        "--data-dir=/var/lib/etcd"
      ])
    )
    expect(container(pod).image).toBe("k8s.gcr.io/etcd:3.3.10")
    expect(container(pod).livenessProbe?.exec?.command?.[2]).toContain("etcdctl --endpoints=https://[127.0.0.1]:2379")
    expect(pod.metadata?.annotations).toBeUndefined()
    const newer = typed(etcdPod(sampleConfig({ kubernetesVersion: "v1.20.1" }), members))
    expect(newer.metadata?.annotations).toEqual({
      "kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://10.0.0.12:2379"
    })
    expect(newer.spec?.priorityClassName).toBe("system-node-critical")
  })

  it("writes YAML Go reads: sorted keys, creationTimestamp null", () => {
    const text = podYaml(kubeSchedulerPod(sampleConfig()))
    expect(text.startsWith("apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n")).toBe(true)
    expect(text).toContain("status: {}")
  })

  it("an invalid Pod is caught by the schema (the validation is real)", () => {
    const pod = typed(kubeSchedulerPod(sampleConfig()))
    const httpGet = container(pod).livenessProbe?.httpGet
    assert(httpGet !== undefined, "the scheduler's probe is an HTTP GET")
    // Object.assign because the type rightly refuses a port that is neither a number nor a name
    Object.assign(httpGet, { port: { bogus: true } })
    expect(() => new Pod(pod).validate()).toThrow()
  })
})
