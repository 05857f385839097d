/** The join's configuration: flags, the kubeadm config file (load, decode, validate, print, migrate), its model and errors. */
export type * from "./model.js"
export * from "./errors.js"
export * from "./flags.js"
export * from "./decode.js"
export * from "./validate.js"
export * from "./load.js"
export * from "./kubeadm-config.js"
