import { describe, expect, it } from "vitest"
import {
  caCertHash,
  caCertHashes,
  certificateMatchesKey,
  createCaCertificate,
  createCertificate,
  createCsr,
  generateKeyPair,
  CryptoError,
  parseCertificate,
  parseCsr,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromPem,
  publicKeyToPem,
  verifyCertificate
} from "../../src/crypto/index.js"
import { openssl, opensslBytes, tempDir, writeTemp } from "./openssl.js"
import { createHash } from "node:crypto"

describe.each(["ecdsa-p256", "rsa-2048"] as const)("certificates with %s keys", (alg) => {
  it("CA + server/client leaf: openssl verify, SANs and usages", async () => {
    const caKeys = await generateKeyPair(alg)
    const caPem = await createCaCertificate(caKeys, { commonName: "kubernetes" })
    const leafKeys = await generateKeyPair(alg)
    const leafPem = await createCertificate(
      leafKeys.publicKey,
      {
        commonName: "kube-apiserver",
        dnsNames: ["localhost", "kubernetes.default.svc.cluster.local"],
        ipAddresses: ["10.96.0.1", "127.0.1.1"],
        extKeyUsages: ["server"]
      },
      { certPem: caPem, keys: caKeys }
    )
    const clientPem = await createCertificate(
      leafKeys.publicKey,
      { commonName: "kubernetes-admin", organizations: ["system:masters", "team:b"], extKeyUsages: ["client"] },
      { certPem: caPem, keys: caKeys }
    )
    const dir = tempDir()
    const ca = writeTemp(dir, "ca.crt", caPem)
    const leaf = writeTemp(dir, "leaf.crt", leafPem)
    const client = writeTemp(dir, "client.crt", clientPem)
    expect(openssl(["verify", "-CAfile", ca, "-purpose", "sslserver", leaf])).toContain(": OK")
    expect(openssl(["verify", "-CAfile", ca, "-purpose", "sslclient", client])).toContain(": OK")
    const ext = openssl([
      "x509",
      "-in",
      leaf,
      "-noout",
      "-ext",
      "subjectAltName,keyUsage,extendedKeyUsage,basicConstraints"
    ])
    expect(ext).toContain(
      "DNS:localhost, DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:127.0.1.1"
    )
    expect(ext).toContain("Digital Signature, Key Encipherment")
    expect(ext).toContain("TLS Web Server Authentication")
    expect(ext).toContain("CA:FALSE")
    const caExt = openssl(["x509", "-in", ca, "-noout", "-ext", "keyUsage,basicConstraints"])
    expect(caExt).toContain("Certificate Sign")
    expect(caExt).toContain("CA:TRUE")
    // a multi-valued RDN is a DER SET (sorted), so openssl may print the O values in either order
    const subject = openssl(["x509", "-in", client, "-noout", "-subject", "-nameopt", "RFC2253"])
    expect(subject).toContain("CN=kubernetes-admin,")
    expect(subject).toContain("O=system:masters")
    expect(subject).toContain("O=team:b")

    const info = parseCertificate(clientPem)
    expect(info.commonName).toBe("kubernetes-admin")
    expect(info.organizations).toEqual(["system:masters", "team:b"])
    expect(info.extKeyUsages).toEqual(["client"])
    expect(info.issuerCommonName).toBe("kubernetes")
    expect(info.isCA).toBe(false)
    expect(parseCertificate(caPem).isCA).toBe(true)
    const leafInfo = parseCertificate(leafPem)
    expect(leafInfo.dnsNames).toEqual(["localhost", "kubernetes.default.svc.cluster.local"])
    expect(leafInfo.ipAddresses).toEqual(["10.96.0.1", "127.0.1.1"])
    expect(leafInfo.keyUsages).toEqual(["digitalSignature", "keyEncipherment"])
    expect(leafInfo.notAfter.getTime() - Date.now()).toBeGreaterThan(364 * 24 * 3600 * 1000)
    expect(await verifyCertificate(leafPem, caPem)).toBe(true)
    const otherCa = await createCaCertificate(await generateKeyPair("ecdsa-p256"), { commonName: "other" })
    expect(await verifyCertificate(leafPem, otherCa)).toBe(false)
    expect(await certificateMatchesKey(leafPem, leafKeys)).toBe(true)
    expect(await certificateMatchesKey(leafPem, caKeys)).toBe(false)
  })

  it("the pin equals the openssl pipeline", async () => {
    const caKeys = await generateKeyPair(alg)
    const caPem = await createCaCertificate(caKeys, { commonName: "kubernetes" })
    const pub = openssl(["x509", "-pubkey", "-noout"], caPem)
    const der = opensslBytes(["pkey", "-pubin", "-outform", "der"], pub)
    const expected = "sha256:" + createHash("sha256").update(der).digest("hex")
    expect(caCertHash(caPem)).toBe(expected)
    const other = await createCaCertificate(await generateKeyPair("ecdsa-p256"), { commonName: "b" })
    expect(caCertHashes(caPem + other)).toEqual([expected, caCertHash(other)])
  })

  it("private keys round-trip through PKCS#8 and the traditional PEM forms, openssl reads them", async () => {
    const keys = await generateKeyPair(alg)
    const pkcs8 = await privateKeyToPem(keys.privateKey)
    const trad = await privateKeyToPem(keys.privateKey, "traditional")
    expect(pkcs8).toContain("-----BEGIN PRIVATE KEY-----")
    expect(trad).toContain(alg === "ecdsa-p256" ? "-----BEGIN EC PRIVATE KEY-----" : "-----BEGIN RSA PRIVATE KEY-----")
    const pubPem = await publicKeyToPem(keys.publicKey)
    for (const pem of [pkcs8, trad]) {
      const back = await privateKeyFromPem(pem)
      expect(back.kind).toBe(alg === "ecdsa-p256" ? "ecdsa" : "rsa")
      expect(await publicKeyToPem(back.publicKey)).toBe(pubPem)
      expect(openssl(["pkey", "-pubout"], pem)).toBe(pubPem)
    }
    await publicKeyFromPem(pubPem)
    await expect(privateKeyFromPem("garbage")).rejects.toBeInstanceOf(CryptoError)
  })
})

describe("CSRs", () => {
  it("kubelet-style CSR: subject, no SANs, openssl reads and verifies it", async () => {
    const keys = await generateKeyPair("ecdsa-p256")
    const pem = await createCsr(keys, { commonName: "system:node:worker-1", organizations: ["system:nodes"] })
    expect(openssl(["req", "-noout", "-verify", "-subject", "-nameopt", "RFC2253"], pem)).toContain(
      "CN=system:node:worker-1,O=system:nodes"
    )
    const info = await parseCsr(pem)
    expect(info).toMatchObject({
      commonName: "system:node:worker-1",
      organizations: ["system:nodes"],
      dnsNames: [],
      ipAddresses: [],
      keyKind: "ecdsa",
      signatureValid: true
    })
  })

  it("CSR with SANs is signed into a certificate carrying them", async () => {
    const keys = await generateKeyPair("ecdsa-p256")
    const pem = await createCsr(keys, { commonName: "etcd", dnsNames: ["node-a"], ipAddresses: ["127.0.1.5"] })
    const info = await parseCsr(pem)
    expect(info.dnsNames).toEqual(["node-a"])
    expect(info.ipAddresses).toEqual(["127.0.1.5"])
    const caKeys = await generateKeyPair("ecdsa-p256")
    const ca = await createCaCertificate(caKeys, { commonName: "etcd-ca" })
    const cert = await createCertificate(
      info.spki,
      {
        commonName: info.commonName,
        dnsNames: info.dnsNames,
        ipAddresses: info.ipAddresses,
        extKeyUsages: ["server", "client"]
      },
      { certPem: ca, keys: caKeys }
    )
    expect(await certificateMatchesKey(cert, keys)).toBe(true)
    const dir = tempDir()
    expect(openssl(["verify", "-CAfile", writeTemp(dir, "ca.crt", ca), writeTemp(dir, "c.crt", cert)])).toContain(
      ": OK"
    )
  })
})

describe("a CA made by another tool (its own Subject Key Identifier)", () => {
  it("leaves carry the CA's SKID as their AKID, so OpenSSL finds the issuer", async () => {
    const dir = tempDir()
    const key = writeTemp(dir, "ca.key", openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])) // kubeadm's default
    // a key identifier no hash of ours would give (Go 1.25+ uses truncated SHA-256, older Go and OpenSSL SHA-1)
    const caPem = openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      key,
      "-subj",
      "/CN=etcd-ca",
      "-days",
      "1",
      "-addext",
      "subjectKeyIdentifier=0102030405060708090a0b0c0d0e0f1011121314",
      "-addext",
      "authorityKeyIdentifier=none"
    ])
    const keys = await privateKeyFromPem(openssl(["pkey", "-in", key]))
    const leafKeys = await generateKeyPair("ecdsa-p256")
    const leaf = await createCertificate(
      leafKeys.publicKey,
      { commonName: "etcd-server", extKeyUsages: ["server"] },
      { certPem: caPem, keys }
    )
    const caFile = writeTemp(dir, "ca.crt", caPem)
    const leafFile = writeTemp(dir, "leaf.crt", leaf)
    expect(openssl(["x509", "-in", leafFile, "-noout", "-ext", "authorityKeyIdentifier"])).toContain(
      "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14"
    )
    expect(openssl(["verify", "-CAfile", caFile, leafFile]).trim()).toBe(`${leafFile}: OK`)
  })
})
