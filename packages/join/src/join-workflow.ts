/**
 * The phase tree of `kubeadm join` (seed reference, spec join-node §1.9) and of
 * current kubeadm, built with the workflow package. Each run comes from
 * ./phases/<phase>.ts. The tree holds the phases of both: which of them run is
 * decided by the cluster's kubeadm behaviour (kubeadm-behaviour.ts), through each
 * version-specific phase's condition. The 1.15 order: kubelet-start (with the TLS
 * bootstrap wait), control-plane-join{etcd, update-status, mark-control-plane}; the
 * current one: kubelet-start, etcd-join, kubelet-wait-bootstrap,
 * control-plane-join{mark-control-plane}, wait-control-plane. The control-plane
 * phases carry their own condition as well as their parent's, because
 * `join phase <parent>/<child>` runs the child without its ancestors.
 */
import { Effect, Either } from "effect"
import { type Phase, phase, timeout, type Workflow, workflow } from "@kubeadm-ts/workflow"
import { defaultTimeouts } from "./config/defaults.js"
import type { Timeouts } from "./config/model.js"
import { JoinContext } from "./join-context.js"
import * as checkEtcd from "./phases/control-plane-check-etcd.js"
import * as markControlPlane from "./phases/control-plane-join-mark-control-plane.js"
import * as updateStatus from "./phases/control-plane-join-update-status.js"
import * as prepareCerts from "./phases/control-plane-prepare-certs.js"
import * as prepareControlPlane from "./phases/control-plane-prepare-control-plane.js"
import * as downloadCerts from "./phases/control-plane-prepare-download-certs.js"
import * as prepareKubeconfig from "./phases/control-plane-prepare-kubeconfig.js"
import * as joinEtcd from "./phases/etcd-join.js"
import * as kubeletStart from "./phases/kubelet-start.js"
import * as kubeletWaitBootstrap from "./phases/kubelet-wait-bootstrap.js"
import * as preflight from "./phases/preflight.js"
import * as waitControlPlane from "./phases/wait-control-plane.js"
import { JoinData } from "./discovery/join-data.js"
import { kubeadmBehaviour, type KubeadmBehaviour } from "./kubeadm-behaviour.js"

const onlyControlPlane = {
  when: Effect.map(JoinContext, ({ config }) => config.controlPlane !== undefined),
  reason: "only with --control-plane"
}

const onlyWithCertificateKey = {
  when: Effect.map(JoinContext, ({ config }) => (config.controlPlane?.certificateKey ?? "") !== ""),
  reason: "only with --control-plane and --certificate-key"
}

const isControlPlane = Effect.map(JoinContext, ({ config }) => config.controlPlane !== undefined)

/** What the cluster's kubeadm does (reads the cluster's configuration: discovery runs first). */
const behaves = (decide: (b: KubeadmBehaviour) => boolean) =>
  Effect.flatMap(JoinData, (data) =>
    Effect.map(data.clusterConfiguration, (cluster) => decide(kubeadmBehaviour(cluster)))
  )

/** A control-plane-only phase of some cluster versions: a worker never reads the cluster for it. */
const controlPlaneWhen = (decide: (b: KubeadmBehaviour) => boolean, reason: string) => ({
  when: Effect.flatMap(isControlPlane, (cp) => (cp ? behaves(decide) : Effect.succeed(false))),
  reason: `only with --control-plane, ${reason}`
})

const LOCAL_MODE = "on clusters with ControlPlaneKubeletLocalMode (1.33+; 1.31-1.32 with the feature gate on)"
const NOT_LOCAL_MODE =
  "on clusters without ControlPlaneKubeletLocalMode (up to 1.32; 1.33-1.34 with the feature gate off)"

/** The hidden `all` child kubeadm gives each parent: `join phase <parent> all` runs the whole parent. */
const allChild = (description: string) => phase({ name: "all", description, hidden: true })

const preflightPhase = phase({ name: "preflight", description: "Run join pre-flight checks", run: preflight.run })

const controlPlanePrepare = phase({
  name: "control-plane-prepare",
  description: "Prepare the machine for serving a control plane",
  condition: onlyControlPlane,
  children: [
    allChild("Prepare the machine for serving a control plane"),
    phase({
      name: "download-certs",
      description:
        "[EXPERIMENTAL] Download certificates shared among control-plane nodes from the kubeadm-certs Secret",
      condition: onlyWithCertificateKey,
      run: downloadCerts.run
    }),
    phase({
      name: "certs",
      description: "Generate the certificates for the new control plane components",
      condition: onlyControlPlane,
      run: prepareCerts.run
    }),
    phase({
      name: "kubeconfig",
      description: "Generate the kubeconfig for the new control plane components",
      condition: onlyControlPlane,
      run: prepareKubeconfig.run
    }),
    phase({
      name: "control-plane",
      description: "Generate the manifests for the new control plane components",
      condition: onlyControlPlane,
      run: prepareControlPlane.run
    })
  ]
})

const checkEtcdPhase = phase({
  name: "check-etcd",
  description: "Check that the local etcd cluster is healthy",
  hidden: true,
  condition: onlyControlPlane,
  run: checkEtcd.run
})

const kubeletStartPhase = phase({
  name: "kubelet-start",
  description: "Write kubelet settings, certificates and (re)start the kubelet",
  run: kubeletStart.run
})

const etcdJoinPhase = phase({
  name: "etcd-join",
  description: "Join etcd for control plane nodes (clusters 1.33+; 1.31-1.32 with ControlPlaneKubeletLocalMode)",
  condition: controlPlaneWhen((b) => b.controlPlaneKubeletLocalMode, LOCAL_MODE),
  run: joinEtcd.run
})

const kubeletWaitBootstrapPhase = phase({
  name: "kubelet-wait-bootstrap",
  description: "Wait for the kubelet to bootstrap itself (clusters 1.33+; 1.31-1.32 with ControlPlaneKubeletLocalMode)",
  condition: { when: behaves((b) => b.controlPlaneKubeletLocalMode), reason: LOCAL_MODE },
  run: kubeletWaitBootstrap.run
})

const controlPlaneJoin = phase({
  name: "control-plane-join",
  description: "Join a machine as a control plane instance",
  condition: onlyControlPlane,
  children: [
    allChild("Join a machine as a control plane instance"),
    phase({
      name: "etcd",
      description: "Add a new local etcd member (clusters up to 1.32; 1.33-1.34 without ControlPlaneKubeletLocalMode)",
      condition: controlPlaneWhen((b) => !b.controlPlaneKubeletLocalMode, NOT_LOCAL_MODE),
      run: joinEtcd.run
    }),
    phase({
      name: "update-status",
      description:
        "Register the new control-plane node into the ClusterStatus maintained in the kubeadm-config ConfigMap (clusters up to 1.30)",
      condition: controlPlaneWhen(
        (b) => b.updateStatusPhase,
        "on clusters up to 1.30 (kubeadm 1.31 removed the phase)"
      ),
      run: updateStatus.run
    }),
    phase({
      name: "mark-control-plane",
      description: "Mark a node as a control-plane",
      condition: onlyControlPlane,
      run: markControlPlane.run
    })
  ]
})

const waitControlPlanePhase = phase({
  name: "wait-control-plane",
  description: "Wait for the control plane to start (clusters 1.34+; 1.30-1.33 with WaitForAllControlPlaneComponents)",
  condition: controlPlaneWhen(
    (b) => b.waitForAllControlPlaneComponents,
    "on clusters with WaitForAllControlPlaneComponents (1.34+; 1.33 unless the feature gate is off; 1.30-1.32 with it on)"
  ),
  run: waitControlPlane.run
})

/** Every phase of the reference and of current kubeadm, as a control-plane join runs them. */
export const joinWorkflow = workflow(
  preflightPhase,
  controlPlanePrepare,
  checkEtcdPhase,
  kubeletStartPhase,
  etcdJoinPhase,
  kubeletWaitBootstrapPhase,
  controlPlaneJoin,
  waitControlPlanePhase
)

/**
 * A control-plane phase as a worker join sees it: listed and skipped with its reason,
 * never run, so a worker's environment needs none of its services (no Etcd at all).
 */
const listedOnly = <R, E>(p: Phase<R, E>): Phase => ({
  name: p.name,
  description: p.description,
  children: p.children.map(listedOnly),
  ...(p.condition !== undefined ? { condition: { when: Effect.succeed(false), reason: p.condition.reason } } : {}),
  ...(p.hidden !== undefined ? { hidden: p.hidden } : {})
})

/** The same tree as a worker join runs it (the control-plane phases only listed). */
export const workerWorkflow = workflow(
  preflightPhase,
  listedOnly(controlPlanePrepare),
  listedOnly(checkEtcdPhase),
  kubeletStartPhase,
  listedOnly(etcdJoinPhase),
  kubeletWaitBootstrapPhase,
  listedOnly(controlPlaneJoin),
  listedOnly(waitControlPlanePhase)
)

/** The full tree's type: its R names every service a control-plane join needs. */
export type JoinWorkflow = typeof joinWorkflow
/** The worker tree's type: its R has no Etcd. */
export type WorkerWorkflow = typeof workerWorkflow

const ETCD_WAIT = "waiting for the new etcd member to join the cluster"

/**
 * v1beta4's `timeouts` as phase deadlines, through the workflow's `timeout` combinator:
 * the etcd join (`etcdAPICall`) and the Node's control-plane label and taints
 * (`kubernetesAPICall`, like kubeadm's PatchNode poll). The phases wait without a
 * deadline of their own. Apply it before `skip`/`only`, which keep these deadlines.
 */
export const withTimeouts =
  (timeouts: Timeouts = defaultTimeouts) =>
  <R, E>(w: Workflow<R, E>) =>
    timeout(
      "etcd-join",
      timeouts.etcdAPICall,
      ETCD_WAIT
    )(w).pipe(
      Either.flatMap(timeout("control-plane-join/etcd", timeouts.etcdAPICall, ETCD_WAIT)),
      Either.flatMap(
        timeout(
          "control-plane-join/mark-control-plane",
          timeouts.kubernetesAPICall,
          "waiting for the Node to be registered and marked as a control plane"
        )
      )
    )
