export * from "./rootfs.js"
export * from "./live.js"
export * from "./memory.js"
