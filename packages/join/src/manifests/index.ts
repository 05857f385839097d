export * from "./control-plane-config.js"
export * from "./static-pods.js"
