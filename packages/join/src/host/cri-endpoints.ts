/** The CRI endpoints kubeadm knows, in its detection order. */
export const KNOWN_CRI_ENDPOINTS = [
  "unix:///var/run/containerd/containerd.sock",
  "unix:///var/run/crio/crio.sock",
  "unix:///var/run/cri-dockerd.sock"
] as const

/** The CRI socket kubeadm assumes when none is detected: containerd's. */
export const DEFAULT_CRI_ENDPOINT = "unix:///var/run/containerd/containerd.sock"
