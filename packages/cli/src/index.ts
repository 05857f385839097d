export * from "./argv.js"
export * from "./flag-table.js"
export * from "./phase-list.js"
