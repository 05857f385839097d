// `npm run soak -- [part ...] [-- vitest args]`: the long reliability runs kept out of `npm test`.
// Each part is a test file run with its environment; with no part named, every part runs in turn.
//   faults [worker|control-plane]   the whole fault matrix (every fault alone on every request kind)
// (More parts: add an entry to PARTS.)
import { spawnSync } from "node:child_process"

const PARTS = {
  faults: (args) => ({
    files: ["packages/testkit/test/e2e/e2e-real-faults.test.ts"],
    env: {
      KUBEADM_TS_FAULTS: "full",
      ...(args[0] === "worker" || args[0] === "control-plane" ? { KUBEADM_TS_FAULTS_JOIN: args[0] } : {})
    }
  })
}

const argv = process.argv.slice(2)
const named = argv.length === 0 ? Object.keys(PARTS).map((p) => [p]) : [argv]
let failed = 0
for (const [part, ...args] of named) {
  const make = PARTS[part]
  if (make === undefined) {
    console.error(`soak: no part "${part}" (parts: ${Object.keys(PARTS).join(", ")})`)
    process.exit(2)
  }
  const { files, env } = make(args)
  console.log(`soak: ${part} ${args.join(" ")}`.trim())
  const r = spawnSync("npx", ["vitest", "run", ...files], { stdio: "inherit", env: { ...process.env, ...env } })
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
