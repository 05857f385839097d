export * from "./certs.js"
export * from "./ip.js"
export * from "./specs.js"
export * from "./kubeconfigs.js"
