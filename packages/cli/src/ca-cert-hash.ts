/** `kubeadm-ts ca-cert-hash <ca.crt>`: the `sha256:` pin for --discovery-token-ca-cert-hash. */
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { causeText } from "@kubeadm-ts/join/cause-text"
import { CliFailure } from "./run-join.js"

const fileError = (path: string, e: unknown): string => {
  const code = (e as { code?: string }).code
  if (code === "ENOENT") return `open ${path}: no such file or directory`
  if (code === "EISDIR") return `read ${path}: is a directory`
  return `open ${path}: ${causeText(e)}`
}

/** Reads a PEM CA certificate and gives its `sha256:<hex>` SPKI pin; a missing file or non-PEM input fails with Go's wording. */
export const caCertHash = (path: string): Effect.Effect<string, CliFailure> =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (e) => new CliFailure({ message: fileError(path, e) })
    })
    // The X.509 parser is loaded only for this command.
    const { caCertHash: pin } = yield* Effect.promise(() => import("@kubeadm-ts/join/crypto"))
    return yield* Effect.try({
      try: () => {
        if (!text.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no CERTIFICATE PEM block found")
        return pin(text)
      },
      catch: (e) => new CliFailure({ message: `${path}: not a PEM certificate: ${causeText(e)}` })
    })
  })

/** Prints the pin on stdout, for pasting into --discovery-token-ca-cert-hash. */
export const caCertHashCommand = Command.make(
  "ca-cert-hash",
  { file: Args.text({ name: "ca.crt" }).pipe(Args.withDescription("PEM file of the cluster CA certificate")) },
  ({ file }) => Effect.flatMap(caCertHash(file), (pin) => Effect.sync(() => process.stdout.write(pin + "\n")))
).pipe(
  Command.withDescription("Print the sha256 pin of a CA certificate's public key, for --discovery-token-ca-cert-hash")
)
