/**
 * The phase tree of `kubeadm join` (seed reference, spec join-node §1.9), built
 * with the workflow package. Each run comes from ./phases/<phase>.ts. The
 * control-plane phases carry their own condition as well as their parent's,
 * because `join phase <parent>/<child>` runs the child without its ancestors.
 */
import { Effect } from "effect"
import { phase, workflow } from "@kubeadm-ts/workflow"
import { JoinContext } from "./join-context.js"
import * as checkEtcd from "./phases/control-plane-check-etcd.js"
import * as joinEtcd from "./phases/control-plane-join-etcd.js"
import * as markControlPlane from "./phases/control-plane-join-mark-control-plane.js"
import * as updateStatus from "./phases/control-plane-join-update-status.js"
import * as prepareCerts from "./phases/control-plane-prepare-certs.js"
import * as prepareControlPlane from "./phases/control-plane-prepare-control-plane.js"
import * as downloadCerts from "./phases/control-plane-prepare-download-certs.js"
import * as prepareKubeconfig from "./phases/control-plane-prepare-kubeconfig.js"
import * as kubeletStart from "./phases/kubelet-start.js"
import * as preflight from "./phases/preflight.js"

const onlyControlPlane = {
  when: Effect.map(JoinContext, ({ config }) => config.controlPlane !== undefined),
  reason: "only with --control-plane"
}

const onlyWithCertificateKey = {
  when: Effect.map(JoinContext, ({ config }) => (config.controlPlane?.certificateKey ?? "") !== ""),
  reason: "only with --control-plane and --certificate-key"
}

/** The hidden `all` child kubeadm gives each parent: `join phase <parent> all` runs the whole parent. */
const allChild = (description: string) => phase({ name: "all", description, hidden: true })

export const joinWorkflow = workflow(
  phase({ name: "preflight", description: "Run join pre-flight checks", run: preflight.run }),
  phase({
    name: "control-plane-prepare",
    description: "Prepare the machine for serving a control plane",
    condition: onlyControlPlane,
    children: [
      allChild("Prepare the machine for serving a control plane"),
      phase({
        name: "download-certs",
        description: "[EXPERIMENTAL] Download certificates shared among control-plane nodes from the kubeadm-certs Secret",
        condition: onlyWithCertificateKey,
        run: downloadCerts.run
      }),
      phase({ name: "certs", description: "Generate the certificates for the new control plane components", condition: onlyControlPlane, run: prepareCerts.run }),
      phase({ name: "kubeconfig", description: "Generate the kubeconfig for the new control plane components", condition: onlyControlPlane, run: prepareKubeconfig.run }),
      phase({ name: "control-plane", description: "Generate the manifests for the new control plane components", condition: onlyControlPlane, run: prepareControlPlane.run })
    ]
  }),
  phase({ name: "check-etcd", description: "Check that the local etcd cluster is healthy", hidden: true, condition: onlyControlPlane, run: checkEtcd.run }),
  phase({ name: "kubelet-start", description: "Write kubelet settings, certificates and (re)start the kubelet", run: kubeletStart.run }),
  phase({
    name: "control-plane-join",
    description: "Join a machine as a control plane instance",
    condition: onlyControlPlane,
    children: [
      allChild("Join a machine as a control plane instance"),
      phase({ name: "etcd", description: "Add a new local etcd member", condition: onlyControlPlane, run: joinEtcd.run }),
      phase({
        name: "update-status",
        description: "Register the new control-plane node into the ClusterStatus maintained in the kubeadm-config ConfigMap",
        condition: onlyControlPlane,
        run: updateStatus.run
      }),
      phase({ name: "mark-control-plane", description: "Mark a node as a control-plane", condition: onlyControlPlane, run: markControlPlane.run })
    ]
  })
)

export type JoinWorkflow = typeof joinWorkflow
