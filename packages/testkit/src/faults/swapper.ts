/**
 * A racing swapper: a separate process that exchanges two paths with
 * renameat2(RENAME_EXCHANGE) as fast as it can, e.g. a folder of a rootfs and a
 * symlink to somewhere outside it. This is the attack on "check the path, then
 * use it" confinement: at any instant the path is one or the other, never missing.
 * python3's ctypes reaches the syscall without a compiler.
 */
import { spawn } from "node:child_process"

const SCRIPT = `
import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
swaps = 0
failures = 0
def stop(*_):
    sys.stdout.write("%d %d\\n" % (swaps, failures))
    sys.stdout.flush()
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
renameat2 = libc.renameat2
sys.stdout.write("ready\\n")
sys.stdout.flush()
while True:
    if renameat2(-100, a, -100, b, 2) == 0:
        swaps += 1
    else:
        failures += 1
`

/** The running exchange loop over two paths: the attack on check-then-use confinement of the rootfs. */
export interface Swapper {
  /** Stops the swapper; resolves with how many exchanges succeeded and failed. */
  readonly stop: () => Promise<{ readonly swaps: number; readonly failures: number }>
}

/** Starts exchanging `a` and `b` (both must exist); resolves once the loop runs. */
export const startSwapper = (a: string, b: string): Promise<Swapper> =>
  new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", SCRIPT, a, b], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    let started = false
    const closed = new Promise<string>((r) => child.on("close", () => r(out)))
    child.stderr.on("data", (c: Buffer) => (err += c.toString()))
    child.on("error", reject)
    child.on("close", (code) => {
      if (!started) reject(new Error(`the swapper exited (${code}) before starting: ${err}`))
    })
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString()
      if (!started && out.includes("ready\n")) {
        started = true
        out = ""
        resolve({
          stop: async () => {
            child.kill("SIGTERM")
            const [swaps = 0, failures = 0] = (await closed).trim().split(" ").map(Number)
            return { swaps, failures }
          }
        })
      }
    })
  })
