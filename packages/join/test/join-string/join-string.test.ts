/**
 * The join string's decoder takes outside input (a copy-paste): every valid value round
 * trips, and any damage is a typed JoinStringError (or, at worst, the same value), never a
 * throw and never a different value.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import {
  decodeJoinString,
  encodeJoinString,
  type JoinStringFields,
  joinStringPrefix,
  looksLikeJoinString
} from "../../src/join-string/index.js"
import { redactSecrets } from "../../src/redact.js"

const TOKEN = "abcdef.0123456789abcdef"
const PIN = `sha256:${"ab".repeat(32)}`
const KEY = "0f".repeat(32)
const worker: JoinStringFields = {
  apiServerEndpoint: "10.0.0.10:6443",
  token: TOKEN,
  caCertHashes: [PIN],
  controlPlane: false,
  certificateKey: ""
}

const encode = (fields: JoinStringFields): string =>
  Either.getOrElse(encodeJoinString(fields), (e) => {
    throw new Error(`a valid join line was refused: ${e.message}`)
  })

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789".split("")
const hexDigits = "0123456789abcdefABCDEF".split("")
const text = (chars: ReadonlyArray<string>, length: number) =>
  fc.array(fc.constantFrom(...chars), { minLength: length, maxLength: length }).map((cs) => cs.join(""))
const label = fc
  .tuple(text(lowerAlnum, 1), fc.array(fc.constantFrom(...lowerAlnum, "-"), { maxLength: 10 }), text(lowerAlnum, 1))
  .map(([a, mid, b]) => a + mid.join("") + b)
const host = fc.oneof(
  fc.ipV4(),
  fc.ipV6().map((ip) => `[${ip}]`),
  // A DNS name whose last label starts with a letter (a numeric last label is refused, as kubeadm does).
  fc
    .tuple(fc.array(label, { maxLength: 3 }), text(lowerAlnum.slice(0, 26), 1), label)
    .map(([ls, first, last]) => [...ls, first + last].join("."))
)
const endpoint = fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`)
const fieldsArb: fc.Arbitrary<JoinStringFields> = fc
  .record({
    apiServerEndpoint: endpoint,
    token: fc.tuple(text(lowerAlnum, 6), text(lowerAlnum, 16)).map(([id, secret]) => `${id}.${secret}`),
    caCertHashes: fc.array(
      text(hexDigits, 64).map((h) => `sha256:${h}`),
      { minLength: 1, maxLength: 4 }
    ),
    controlPlane: fc.boolean(),
    key: fc.option(text(hexDigits, 64), { nil: undefined })
  })
  .map(({ key, ...f }) => ({ ...f, certificateKey: f.controlPlane && key !== undefined ? key : "" }))

/** What decoding must give back: pins and key in lower case. */
const normalised = (f: JoinStringFields): JoinStringFields => ({
  ...f,
  caCertHashes: f.caCertHashes.map((p) => p.toLowerCase()),
  certificateKey: f.certificateKey.toLowerCase()
})

/** Damage a copy-paste can do: a changed, lost, added or swapped character, a cut, a paste twice. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 1 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    ch: fc.string({ unit: "binary", minLength: 1, maxLength: 3 })
  }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("double" as const) }),
  fc.record({ kind: fc.constant("case" as const), at: fc.nat() })
)
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never
const mutate = (s: string, m: Mutation): string => {
  const at = "at" in m ? m.at % (s.length + 1) : 0
  switch (m.kind) {
    case "replace":
      return s.slice(0, at) + m.ch + s.slice(at + 1)
    case "delete":
      return s.slice(0, at) + s.slice(at + 1)
    case "insert":
      return s.slice(0, at) + m.ch + s.slice(at)
    case "swap":
      return s.slice(0, at) + s.charAt(at + 1) + s.charAt(at) + s.slice(at + 2)
    case "truncate":
      return s.slice(0, at)
    case "double":
      return s + s
    case "case":
      return s.slice(0, at) + s.charAt(at).toUpperCase() + s.slice(at + 1)
  }
}

describe("join string", () => {
  it("a worker line and a control-plane line round trip; the string is one word of a-z, 2-7 after kts1", () => {
    const cp = { ...worker, caCertHashes: [PIN, `sha256:${"cd".repeat(32)}`], controlPlane: true, certificateKey: KEY }
    for (const fields of [worker, cp]) {
      const s = encode(fields)
      expect(s).toMatch(/^kts1a[a-z2-7]+$/)
      expect(looksLikeJoinString(s)).toBe(true)
      expect(decodeJoinString(s)).toEqual(Either.right(fields))
    }
    expect(looksLikeJoinString("kts1.example.com:6443")).toBe(false)
  })

  it.prop(
    "every valid join line round trips",
    [fieldsArb],
    ([fields]) => {
      const s = encode(fields)
      expect(decodeJoinString(s)).toEqual(Either.right(normalised(fields)))
      // The whole string is redacted wherever it might be printed.
      expect(redactSecrets(`x ${s} y`)).toBe(`x ${joinStringPrefix}<redacted> y`)
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "any damage gives a typed error (or the same value), never a throw, never the string in the message",
    [fieldsArb, fc.array(mutation, { minLength: 1, maxLength: 3 })],
    ([fields, mutations]) => {
      const s = encode(fields)
      const damaged = mutations.reduce(mutate, s)
      const r = decodeJoinString(damaged)
      if (Either.isRight(r)) expect(r.right).toEqual(normalised(fields))
      else {
        expect(r.left._tag).toBe("JoinStringError")
        expect(r.left.message).not.toContain(s.slice(4, 20))
        expect(r.left.message).not.toContain(fields.token.slice(7))
      }
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "any text decodes to a typed result without throwing",
    [fc.string({ unit: "binary", maxLength: 300 })],
    ([t]) => {
      const r = decodeJoinString(`kts1${t}`)
      expect(Either.isLeft(r) || Either.isRight(r)).toBe(true)
      expect(Either.isLeft(decodeJoinString(t)) || Either.isRight(decodeJoinString(t))).toBe(true)
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it("redactSecrets hides a join string, damaged or not, wherever it is quoted", () => {
    const s = encode({ ...worker, controlPlane: true, certificateKey: KEY })
    expect(redactSecrets(`unknown command "${s}" for "kubeadm-ts"`)).toBe(
      'unknown command "kts1<redacted>" for "kubeadm-ts"'
    )
    const damaged = `${s.slice(0, 30).toUpperCase()}-_.${s.slice(30)}`
    expect(redactSecrets(`--token=${damaged}`)).toBe("--token=KTS1<redacted>")
    // host names that merely start like one are not touched
    expect(redactSecrets("kts1.example.com:6443 kts1-control-plane-01:6443")).toBe(
      "kts1.example.com:6443 kts1-control-plane-01:6443"
    )
  })

  it("names what is wrong: prefix, version, character, length, checksum", () => {
    const s = encode(worker)
    const reasonOf = (t: string) => Either.match(decodeJoinString(t), { onLeft: (e) => e.reason, onRight: () => "ok" })
    const messageOf = (t: string) => Either.match(decodeJoinString(t), { onLeft: (e) => e.message, onRight: () => "" })
    expect(reasonOf("10.0.0.10:6443")).toBe("NotAJoinString")
    expect(reasonOf(`kts2${s.slice(4)}`)).toBe("UnsupportedVersion")
    expect(messageOf(`kts2${s.slice(4)}`)).toBe(
      `unsupported join string: it is version 2; this kubeadm-ts reads version 1 ("kts1...")`
    )
    expect(reasonOf(`${s.slice(0, 10)}0${s.slice(11)}`)).toBe("BadCharacter")
    expect(messageOf(`${s.slice(0, 10)}0${s.slice(11)}`)).toBe(
      `damaged join string: character 11 is not one a join string holds (a-z, 2-7 after "kts1")`
    )
    expect(reasonOf(s.slice(0, 40))).toBe("BadLength")
    const flipped = `${s.slice(0, 30)}${s.charAt(30) === "a" ? "b" : "a"}${s.slice(31)}`
    expect(reasonOf(flipped)).toBe("ChecksumMismatch")
    expect(messageOf(flipped)).toBe("damaged join string: its checksum does not match; copy the whole string again")
  })

  it("refuses to make a string from values the join flags would refuse, with the flags' texts", () => {
    const problem = (f: Partial<JoinStringFields>) =>
      Either.match(encodeJoinString({ ...worker, ...f }), { onLeft: (e) => e.message, onRight: () => "" })
    expect(problem({ token: "abcdef.012345678" })).toBe("invalid join string: --token: the bootstrap token is invalid")
    expect(problem({ apiServerEndpoint: "10.0.0.10" })).toBe(
      "invalid join string: --api-server-endpoint: address 10.0.0.10: missing port in address"
    )
    expect(problem({ caCertHashes: [] })).toBe(
      "invalid join string: --discovery-token-ca-cert-hash: no CA pin: a join string always pins the cluster CA"
    )
    expect(problem({ caCertHashes: ["md5:00"] })).toBe(
      'invalid join string: --discovery-token-ca-cert-hash: unknown hash format "md5". Known format(s) are: sha256'
    )
    expect(problem({ controlPlane: true, certificateKey: "abc" })).toContain("--certificate-key: certificate key")
    expect(problem({ certificateKey: KEY })).toBe(
      "invalid join string: --certificate-key: a certificate key is only used by a control-plane join (--control-plane)"
    )
  })
})
