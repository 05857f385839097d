export * from "./errors.js"
export * from "./token.js"
export * from "./file.js"
export * from "./join-data.js"
