// A raw HTTPS client for tests (the testkit's raw client, verifying against the cluster CA).
import { type ApiTarget, requestOnce } from "../src/raw-http.js"
import type { ClusterService } from "../src/index.js"

export const anonymous = (c: ClusterService): ApiTarget => ({ server: c.url, caPem: c.caPem })
export const withToken = (c: ClusterService, token = c.token): ApiTarget => ({ server: c.url, caPem: c.caPem, token })
export const admin = (c: ClusterService): ApiTarget => ({
  server: c.url,
  caPem: c.caPem,
  clientCertPem: c.admin.certPem,
  clientKeyPem: c.admin.keyPem
})

export const get = (t: ApiTarget, path: string) => requestOnce(t, { method: "GET", path, timeoutMs: 10_000 })

export const CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info"

export const clusterInfoData = async (t: ApiTarget): Promise<Record<string, string>> => {
  const r = await get(t, CLUSTER_INFO)
  if (r.status !== 200) throw new Error(`cluster-info: HTTP ${r.status}`)
  return (r.body as { data: Record<string, string> }).data
}
