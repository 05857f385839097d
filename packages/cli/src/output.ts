/**
 * The process's output: every byte it prints is redacted. Loaded first by main.ts, so it
 * imports nothing heavier than the redaction patterns.
 */
import { redactSecrets } from "@kubeadm-ts/join/redact"

/** stdout's writer before redaction was installed: only `writeStdoutKeeping` uses it. */
let rawStdoutWrite: ((chunk: string) => boolean) | undefined

/**
 * Every byte the binary prints passes through here: the join's Output, our own error and
 * usage lines, @effect/cli's messages and Node's warnings alike, so a token or key given
 * in the wrong place is redacted even where no source remembered to (the sources do too).
 * Every writer prints whole lines, so a secret is never split across two writes.
 */
export const redactProcessOutput = (): void => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: Array<unknown>) => boolean
    if (stream === process.stdout) rawStdoutWrite = (chunk) => write(chunk)
    stream.write = (chunk: unknown, ...rest: Array<unknown>) =>
      write(
        typeof chunk === "string"
          ? redactSecrets(chunk)
          : chunk instanceof Uint8Array
            ? redactSecrets(Buffer.from(chunk).toString("utf8"))
            : chunk,
        ...rest
      )
  }
}

/**
 * Writes `text` to stdout redacted like everything else, except for the exact `publicValue`
 * (kubeadm's documented placeholder token in `config print join-defaults`, which must stay
 * valid for `config validate`). Only constants of the program go there, never user input.
 */
export const writeStdoutKeeping = (text: string, publicValue: string): void => {
  const out = text.split(publicValue).map(redactSecrets).join(publicValue)
  if (rawStdoutWrite === undefined) process.stdout.write(out)
  else rawStdoutWrite(out)
}
