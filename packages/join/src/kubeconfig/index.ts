export * from "./kubeconfig.js"
export * from "./load.js"
