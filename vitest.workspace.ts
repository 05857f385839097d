// The test projects: one per package, and docs/ (its examples run against the testkit). vitest.config.ts imports this list.
export default ["packages/workflow", "packages/join", "packages/cli", "packages/testkit", "docs"]
