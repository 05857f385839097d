/** `/version`, `/api`, `/apis[/<group>[/<version>]]`: what kubectl and client-node read before any request. */
import { discoveryGroups, resourceList } from "./resources.js"

/** The `/version` body for a gitVersion such as `v1.15.12`; kubeadm reads the cluster's version from it. */
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

/** The `/api` body: the core group's only version, served at `serverAddress`. */
export const apiVersions = (serverAddress: string) => ({
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }]
})

/** The `/apis` body: every non-core group of RESOURCES with its versions. */
export const apiGroupList = () => ({ kind: "APIGroupList", apiVersion: "v1", groups: discoveryGroups() })

/** The `/apis/<group>` body, or undefined for a group the server does not serve (404). */
export const apiGroup = (name: string) => {
  const g = discoveryGroups().find((x) => x.name === name)
  return g ? { kind: "APIGroup", apiVersion: "v1", ...g } : undefined
}

export { resourceList }
