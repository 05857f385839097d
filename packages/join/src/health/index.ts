export * from "./health.js"
export { layer as HealthLive } from "./live.js"
export * from "./poll.js"
