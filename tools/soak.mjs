#!/usr/bin/env node
// `npm run soak [-- <part> ...]`: the long reliability runs that `npm test` only samples.
// Each part is one vitest run of a suite with the variables that make it big; with no part
// named, every part runs in turn. The outcomes are printed by the suites themselves.
// Add a part here as { files, env, what } (and `config` for a suite outside `npm test`).
import { spawnSync } from "node:child_process"

const parts = {
  faults: {
    what: "the whole fault matrix: every fault alone on every request kind (append worker or control-plane to narrow it: KUBEADM_TS_FAULTS_JOIN)",
    files: ["packages/testkit/test/e2e/e2e-real-faults.test.ts"],
    env: { KUBEADM_TS_FAULTS: "full" }
  },
  kill: {
    what: "every kill point of a worker and a control-plane join (testkit API server, real etcd), each killed and re-run",
    files: [
      "packages/testkit/test/e2e/e2e-kill-rerun-worker.test.ts",
      "packages/testkit/test/e2e/e2e-kill-rerun-control-plane.test.ts"
    ],
    env: { KUBEADM_TS_KILL_ALL: "1" }
  },
  "kill-real": {
    what: "kill points of a worker and a control-plane join against the real cluster, each killed and re-run",
    files: ["test/soak/real-kill-rerun.soak.ts"],
    config: "packages/testkit/test/soak/vitest.soak.config.ts",
    env: {}
  },
  concurrent: {
    what: "three control-plane joins at once against the real cluster, 10 times",
    files: ["packages/testkit/test/e2e/e2e-real-concurrent-control-planes.test.ts"],
    env: { KUBEADM_TS_CONCURRENT_RUNS: "10" }
  }
}

// `faults worker` / `faults control-plane` narrows the fault matrix to one join
const argv = process.argv.slice(2)
const join = argv.find((a) => a === "worker" || a === "control-plane")
if (join !== undefined) parts.faults.env.KUBEADM_TS_FAULTS_JOIN = join
const asked = argv.filter((a) => a !== join)
const unknown = asked.filter((p) => !(p in parts))
if (unknown.length > 0) {
  console.error(`unknown soak part(s): ${unknown.join(", ")}; the parts are: ${Object.keys(parts).join(", ")}`)
  process.exit(2)
}
let failed = 0
for (const name of asked.length > 0 ? asked : Object.keys(parts)) {
  const part = parts[name]
  console.log(`[soak] ${name}: ${part.what}`)
  const r = spawnSync("npx", ["vitest", "run", ...(part.config ? ["--config", part.config] : []), ...part.files], {
    stdio: "inherit",
    env: { ...process.env, ...part.env }
  })
  console.log(`[soak] ${name}: ${r.status === 0 ? "passed" : `FAILED (exit ${r.status ?? r.signal})`}`)
  if (r.status !== 0) failed++
}
process.exit(failed > 0 ? 1 : 0)
