export * from "./files.js"
export * from "./kubelet.js"
export * from "./wait.js"
export * from "./node-check.js"
