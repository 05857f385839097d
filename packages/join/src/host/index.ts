export * from "./host.js"
export * from "./cri-socket.js"
export * from "./checks.js"
