/** pflag rules of the argv pre-parse, in-process. */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { parseArgs, redactSecrets, splitCsv } from "../src/argv.js"
import { flagsByName, flagsByShort } from "../src/flag-table.js"

const lookup = { byName: (n: string) => flagsByName.get(n), byShort: (s: string) => flagsByShort.get(s) }
const parse = (...tokens: string[]) => parseArgs(tokens, lookup)
const ok = (...tokens: string[]) => Either.getOrThrowWith(parse(...tokens), (e) => new Error(e))

describe("parseArgs", () => {
  it("takes --k v, --k=v, repetition and comma lists; records changed flags in order", () => {
    const r = ok("ep:1", "--token=a", "--skip-phases", "x,y", "--skip-phases=z", "--control-plane", "--v", "3")
    expect(r.positionals).toEqual(["ep:1"])
    expect(r.values.get("token")).toEqual(["a"])
    expect(r.values.get("skip-phases")).toEqual(["x", "y", "z"])
    expect(r.values.get("control-plane")).toEqual(["true"])
    expect(r.values.get("v")).toEqual(["3"])
    expect(r.changed).toEqual(["token", "skip-phases", "control-plane", "v"])
  })
  it("bools take only =value; a following word stays positional", () => {
    const r = ok("--control-plane", "false", "--discovery-token-unsafe-skip-ca-verification=false")
    expect(r.positionals).toEqual(["false"])
    expect(r.values.get("discovery-token-unsafe-skip-ca-verification")).toEqual(["false"])
  })
  it("shorthands: -v3, -v=3, -v 3, -hv2; a value may start with a dash", () => {
    expect(ok("-v3").values.get("v")).toEqual(["3"])
    expect(ok("-v=3").values.get("v")).toEqual(["3"])
    expect(ok("-v", "3").values.get("v")).toEqual(["3"])
    const grouped = ok("-hv2")
    expect(grouped.help).toBe(true)
    expect(grouped.values.get("v")).toEqual(["2"])
    expect(ok("--token", "-x").values.get("token")).toEqual(["-x"])
  })
  it("int parsing follows Go: hex, octal, range", () => {
    expect(ok("--apiserver-bind-port=0x1F90").values.get("apiserver-bind-port")).toEqual(["8080"])
    expect(ok("--apiserver-bind-port=010").values.get("apiserver-bind-port")).toEqual(["8"])
    expect(parse("--apiserver-bind-port=2147483648")).toEqual(
      Either.left(
        `invalid argument "2147483648" for "--apiserver-bind-port" flag: strconv.ParseInt: parsing "2147483648": value out of range`
      )
    )
  })
  it("cobra's errors", () => {
    expect(parse("--nope")).toEqual(Either.left("unknown flag: --nope"))
    expect(parse("--CONFIG=x")).toEqual(Either.left("unknown flag: --CONFIG"))
    expect(parse("--config")).toEqual(Either.left("flag needs an argument: --config"))
    expect(parse("-q")).toEqual(Either.left("unknown shorthand flag: 'q' in -q"))
    expect(parse("--=x")).toEqual(Either.left("bad flag syntax: --")) // the value after = is never quoted (it may be a secret)
  })
  it("errors never quote a secret from a mistyped flag: only the flag part, tokens and keys redacted", () => {
    const secret = "0123456789abcdef"
    const key = "ab".repeat(32)
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [["-token=abcdef." + secret], "unknown shorthand flag: 't' in -token"],
      [["-tabcdef." + secret], "unknown shorthand flag: 't' in -tabcdef.<redacted>"],
      [["---token=abcdef." + secret], "bad flag syntax: ---token"],
      [["-certificate-key=" + key], "unknown shorthand flag: 'c' in -certificate-key"],
      [["--abcdef." + secret], "unknown flag: --abcdef.<redacted>"],
      [
        ["--control-plane=abcdef." + secret],
        `invalid argument "abcdef.<redacted>" for "--control-plane" flag: strconv.ParseBool: parsing "abcdef.<redacted>": invalid syntax`
      ],
      [
        ["-v" + key],
        `invalid argument "<redacted>" for "-v, --v" flag: strconv.ParseInt: parsing "<redacted>": invalid syntax`
      ]
    ]
    for (const [tokens, message] of cases) {
      const r = parse(...tokens)
      expect(r).toEqual(Either.left(message))
      expect(JSON.stringify(r)).not.toContain(secret)
      expect(JSON.stringify(r)).not.toContain(key)
    }
  })
  it("redactSecrets keeps public parts: the token id and sha256 pins", () => {
    expect(redactSecrets("x abcdef.0123456789abcdef y")).toBe("x abcdef.<redacted> y")
    expect(redactSecrets("sha256:" + "0a".repeat(32))).toBe("sha256:" + "0a".repeat(32))
    expect(redactSecrets("key " + "0a".repeat(32))).toBe("key <redacted>")
  })
  it("CSV values like pflag", () => {
    expect(splitCsv("")).toEqual([])
    expect(splitCsv("a,b")).toEqual(["a", "b"])
    expect(splitCsv('"a,b",c')).toEqual(["a,b", "c"])
  })
})

describe("global flags before the command (cobra's persistent flags)", () => {
  it("are moved after it, with their values; nothing moves when no command follows", async () => {
    const { hoistGlobalFlags, route } = await import("../src/route.js")
    expect(hoistGlobalFlags(["--rootfs", "/mnt", "-v=5", "join", "1.2.3.4:6443"])).toEqual([
      "join",
      "1.2.3.4:6443",
      "--rootfs",
      "/mnt",
      "-v=5"
    ])
    expect(hoistGlobalFlags(["--v", "2", "--rootfs=/x", "version"])).toEqual(["version", "--v", "2", "--rootfs=/x"])
    expect(hoistGlobalFlags(["--rootfs", "/mnt"])).toEqual(["--rootfs", "/mnt"])
    expect(hoistGlobalFlags(["--bogus", "join"])).toEqual(["--bogus", "join"])
    const r = route(["--rootfs", "/mnt", "join", "phase", "preflight", "--help"])
    expect("help" in r).toBe(true)
  })
})
