import { defaultServerConditions } from "vite"
import { defineProject } from "vitest/config"

export default defineProject({
  ssr: { resolve: { conditions: ["@kubeadm-ts/source", ...defaultServerConditions] } },
  resolve: { conditions: ["@kubeadm-ts/source"] },
  test: { name: "docs", include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 }
})
