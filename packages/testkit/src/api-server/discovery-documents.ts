/** `/version`, `/api`, `/apis[/<group>[/<version>]]`: what kubectl and client-node read before any request. */
import { discoveryGroups, resourceList } from "./resources.js"

export const versionInfo = (gitVersion: string) => {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion)
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "15",
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2020-01-01T00:00:00Z",
    goVersion: "go1.12.17",
    compiler: "gc",
    platform: "linux/amd64"
  }
}

export const apiVersions = (serverAddress: string) => ({
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }]
})

export const apiGroupList = () => ({ kind: "APIGroupList", apiVersion: "v1", groups: discoveryGroups() })

export const apiGroup = (name: string) => {
  const g = discoveryGroups().find((x) => x.name === name)
  return g ? { kind: "APIGroup", apiVersion: "v1", ...g } : undefined
}

export { resourceList }
