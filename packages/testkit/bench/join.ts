import type { Bench } from "./measure.js"
export const join: Bench = { name: "join", description: "worker join against the testkit", run: async () => console.log("\njoin: not available yet") }
