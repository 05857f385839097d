/** Shown by `kubeadm-ts version`, passed to @effect/cli and reported in `-o json`'s run-start event. */
export const version = "0.1.0"
