console.log("kubeadm-ts: not built yet")
