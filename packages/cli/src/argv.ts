/**
 * Command-line parsing with pflag's rules (what cobra/kubeadm accept), done
 * before @effect/cli sees anything: @effect/cli alone would take an unknown
 * flag for the positional endpoint, ignore `--flag=a,b` on repeated options
 * and drop mixed-case flags (see TOOLCHAIN.md). Errors use cobra's wording.
 */
import { redactSecrets } from "@kubeadm-ts/join/redact"
import * as Either from "effect/Either"
import type { FlagSpec } from "./flag-table.js"

/** One command's argv after pflag's rules: the non-flag words, each flag's values, and whether help was asked. */
export interface ParsedArgs {
  readonly positionals: ReadonlyArray<string>
  /** Parsed values per flag name: strings/bools/ints as text, lists already split on commas. */
  readonly values: ReadonlyMap<string, ReadonlyArray<string>>
  /** Flags given on the command line, in order of first use (cobra's "Changed"). */
  readonly changed: ReadonlyArray<string>
  readonly help: boolean
}

/** The flags one command accepts, by long name and by shorthand: a `join phase` leaf sees only its own and the global ones. */
export interface FlagLookup {
  readonly byName: (name: string) => FlagSpec | undefined
  readonly byShort: (short: string) => FlagSpec | undefined
}

const boolValues: Record<string, boolean> = {
  "1": true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false
}

/** Go's strconv.ParseInt(s, 0, bits) failure text, or the decimal value. */
const parseGoInt = (text: string, bits: 32 | 64): Either.Either<string, string> => {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.exec(text)
  if (m === null) return Either.left(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`)
  const digits = m[2] ?? "0"
  const magnitude = /^0[0-7]+$/.test(digits) ? BigInt("0o" + digits.slice(1)) : BigInt(digits.replace(/^0[oO]/, "0o"))
  const value = m[1] === "-" ? -magnitude : magnitude
  const limit = bits === 32 ? 2n ** 31n : 2n ** 63n
  if (value < -limit || value >= limit)
    return Either.left(`strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`)
  return Either.right(value.toString())
}

/** pflag's string slices are CSV: `a,b`, with `"a,b"` quoting; an empty value is an empty list. */
export const splitCsv = (text: string): ReadonlyArray<string> => {
  if (text === "") return []
  const out: string[] = []
  let field = ""
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i)
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"' && field === "") quoted = true
    else if (ch === ",") {
      out.push(field)
      field = ""
    } else field += ch
  }
  out.push(field)
  return out
}

/**
 * Error texts quote argv words, and a mistyped flag can carry a secret
 * (`-token=abcdef.0123456789abcdef`, `--certificate-key=<hex>`): see join's redact.ts.
 */
export { redactSecrets }

const LINE_BREAK = /[\r\n]/

/** The flag part of an argv word for an error message: never the `=value` after it. */
const flagWord = (token: string): string => {
  const eq = token.indexOf("=")
  return redactSecrets(eq < 0 ? token : token.slice(0, eq))
}

const display = (spec: FlagSpec): string =>
  spec.short === undefined ? `--${spec.name}` : `-${spec.short}, --${spec.name}`

/** Parses flags and positionals; Left is cobra's error text. */
export const parseArgs = (tokens: ReadonlyArray<string>, flags: FlagLookup): Either.Either<ParsedArgs, string> => {
  const positionals: string[] = []
  const values = new Map<string, string[]>()
  const changed: string[] = []
  let help = false

  const set = (spec: FlagSpec, raw: string): string | undefined => {
    if (!changed.includes(spec.name)) changed.push(spec.name)
    const prior = values.get(spec.name) ?? []
    const bad = (why: string) =>
      redactSecrets(`invalid argument ${JSON.stringify(raw)} for "${display(spec)}" flag: ${why}`)
    // No value of any flag is multi-line, and @effect/cli reads a line break as a new command
    // ("Invalid subcommand"): say which flag instead.
    if (LINE_BREAK.test(raw)) return bad("the value contains a line break")
    switch (spec.kind) {
      case "bool": {
        const b = boolValues[raw]
        if (b === undefined) return bad(`strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`)
        values.set(spec.name, [String(b)])
        return undefined
      }
      case "int32":
      case "int": {
        const n = parseGoInt(raw, spec.kind === "int32" ? 32 : 64)
        if (Either.isLeft(n)) return bad(n.left)
        values.set(spec.name, [n.right])
        return undefined
      }
      case "strings":
        values.set(spec.name, [...prior, ...splitCsv(raw)])
        return undefined
      case "string":
        values.set(spec.name, [raw])
        return undefined
    }
  }

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? ""
    if (token === "--") {
      const broken = tokens.slice(i + 1).find((t) => LINE_BREAK.test(t))
      if (broken !== undefined)
        return Either.left(
          redactSecrets(`invalid argument ${JSON.stringify(broken)}: the argument contains a line break`)
        )
      positionals.push(...tokens.slice(i + 1))
      break
    }
    if (token.startsWith("--")) {
      const body = token.slice(2)
      const eq = body.indexOf("=")
      const name = eq < 0 ? body : body.slice(0, eq)
      if (name === "" || name.startsWith("-") || name.startsWith("="))
        return Either.left(`bad flag syntax: ${flagWord(token)}`)
      if (name === "help") {
        help = true
        continue
      }
      const spec = flags.byName(name)
      if (spec === undefined) return Either.left(`unknown flag: --${redactSecrets(name)}`)
      let value: string
      if (eq >= 0) value = body.slice(eq + 1)
      else if (spec.kind === "bool") value = "true"
      else if (i + 1 < tokens.length) value = tokens[++i] ?? ""
      else return Either.left(`flag needs an argument: --${name}`)
      const problem = set(spec, value)
      if (problem !== undefined) return Either.left(problem)
      continue
    }
    if (token.startsWith("-") && token.length > 1) {
      // Shorthands may be grouped (`-hv3`); a non-bool one takes the rest, `=rest` or the next token.
      let rest = token.slice(1)
      while (rest.length > 0) {
        const c = rest[0] ?? ""
        rest = rest.slice(1)
        if (c === "h") {
          help = true
          continue
        }
        const spec = flags.byShort(c)
        if (spec === undefined) return Either.left(`unknown shorthand flag: '${c}' in ${flagWord(token)}`)
        let value: string
        if (rest.startsWith("=")) value = rest.slice(1)
        else if (spec.kind === "bool") value = "true"
        else if (rest !== "") value = rest
        else if (i + 1 < tokens.length) value = tokens[++i] ?? ""
        else return Either.left(`flag needs an argument: '${c}' in ${flagWord(token)}`)
        const problem = set(spec, value)
        if (problem !== undefined) return Either.left(problem)
        if (spec.kind !== "bool" || rest.startsWith("=")) break
      }
      continue
    }
    if (LINE_BREAK.test(token))
      return Either.left(redactSecrets(`invalid argument ${JSON.stringify(token)}: the argument contains a line break`))
    positionals.push(token)
  }
  return Either.right({ positionals, values, changed, help })
}
