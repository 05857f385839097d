/**
 * Fuzzing every decoder of outside input the join has (harness.ts, targets.ts): 1,000 cases
 * each here, `npm run fuzz` for 100,000; then the corpus of inputs that once failed.
 */
import { describe } from "vitest"
import { joinTargets } from "./targets.js"

for (const target of joinTargets) describe(target.name, target.register)
