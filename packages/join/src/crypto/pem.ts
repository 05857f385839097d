/** PEM armour: split text into typed DER blocks and back (base64 only, no ASN.1 here). */

export interface PemBlock {
  readonly type: string
  readonly der: Uint8Array
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g

/** Every PEM block in `text`, in order (headers like `Proc-Type:` are not supported: kubeadm never writes them). */
export const parsePemBlocks = (text: string): ReadonlyArray<PemBlock> =>
  [...text.matchAll(BLOCK)].map((m) => ({
    type: m[1] ?? "",
    der: new Uint8Array(Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64"))
  }))

/** Wraps DER in PEM armour with 64-column lines, as Go's pem.Encode writes it. */
export const encodePem = (type: string, der: Uint8Array | ArrayBuffer): string => {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString("base64")
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`
}
