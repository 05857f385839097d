export * from "./kube-api.js"
