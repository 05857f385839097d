export * from "./download.js"
