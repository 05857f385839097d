// The test projects: one per package. vitest.config.ts imports this list.
export default ["packages/workflow", "packages/join", "packages/cli", "packages/testkit"]
