/** Junk command lines: the router never throws; it routes or gives a cobra-style error. */
import { it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { flagsByName, joinFlags } from "../src/flag-table.js"
import { route } from "../src/route.js"

const vocabulary = fc.oneof(
  fc.constantFrom(
    "join",
    "phase",
    "version",
    "ca-cert-hash",
    "preflight",
    "control-plane-join",
    "etcd",
    "all",
    "--",
    "-",
    "-h",
    "--help",
    "-v",
    "-v3",
    "10.0.0.1:6443",
    "a,b",
    "=",
    "--=x"
  ),
  fc.constantFrom(...joinFlags.map((f) => `--${f.name}`)),
  fc.constantFrom(...joinFlags.map((f) => `--${f.name}=x,y`)),
  fc.string()
)
const argv = fc.array(vocabulary, { maxLength: 8 })

it.prop(
  "route never throws; routed argv only holds known flags",
  [fc.tuple(fc.constantFrom("join", "version", "ca-cert-hash", "x"), argv)],
  ([[head, rest]]) => {
    const r = route([head, ...rest])
    if ("usageError" in r) return r.usageError.length > 0
    if ("help" in r) return r.help.includes("Usage:")
    if ("failure" in r) return false
    return r.argv.every((a) => !a.startsWith("--") || a === "--help" || flagsByName.has(a.slice(2).split("=")[0] ?? ""))
  }
)
