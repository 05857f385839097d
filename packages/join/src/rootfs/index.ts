export * from "./rootfs.js"
