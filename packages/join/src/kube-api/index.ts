export * from "./kube-api.js"
export * from "./live.js"
export * from "./fake.js"
