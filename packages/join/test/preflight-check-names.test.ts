import { describe, expect, it } from "vitest"
import { preflightCheckNames } from "../src/index.js"

describe("preflightCheckNames (what --ignore-preflight-errors completes)", () => {
  const names = preflightCheckNames()

  it("starts with all, then each name once", () => {
    expect(names[0]).toBe("all")
    expect(new Set(names).size).toBe(names.length)
  })

  it("holds the root check, the worker checks and the control-plane checks of every configuration", () => {
    expect(names).toEqual(
      expect.arrayContaining([
        "IsPrivilegedUser",
        "Swap",
        "CRI",
        "Hostname",
        "HTTPProxy",
        "FileContent--proc-sys-net-ipv6-conf-default-forwarding",
        "NumCPU",
        "KubernetesVersion",
        "Firewalld",
        "HTTPProxyCIDR",
        "ExternalEtcdClientCertificates"
      ])
    )
  })

  it("names paths and ports after the default configuration", () => {
    expect(names).toEqual(
      expect.arrayContaining([
        "FileAvailable--etc-kubernetes-pki-ca.crt",
        "DirAvailable--var-lib-etcd",
        "Port-6443",
        "Port-10250",
        "Port-2379",
        "Port-2380"
      ])
    )
  })
})
