export * from "./etcd.js"
export * from "./errors.js"
export * from "./join-member.js"
export * from "./endpoints.js"
export * from "./pod.js"
export * from "./retry.js"
// The raw gateway calls, for tools that talk to one etcd endpoint directly (the testkit's real etcd).
export { endpointStatus, listMembers } from "../internal/etcd/gateway.js"
