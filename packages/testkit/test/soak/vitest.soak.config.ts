// The soak-only suites (`npm run soak`): test/soak/*.soak.ts, never part of `npm test`.
import { fileURLToPath } from "node:url"
import { defaultServerConditions } from "vite"
import { defineConfig } from "vitest/config"

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  ssr: { resolve: { conditions: ["@kubeadm-ts/source", ...defaultServerConditions] } },
  resolve: { conditions: ["@kubeadm-ts/source"] },
  test: { include: ["test/soak/**/*.soak.ts"], testTimeout: 60_000, hookTimeout: 300_000 }
})
