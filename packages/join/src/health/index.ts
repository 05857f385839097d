export * from "./health.js"
export * from "./poll.js"
