export * from "./control-plane-config.js"
export * from "./static-pods.js"
export * from "./from-cluster-configuration.js"
