/** Shown by `kubeadm-ts version` and passed to @effect/cli as the program's version. */
export const version = "0.1.0"
