export * from "./kube-api.js"
export * from "./live.js"
