/** Poll a condition until it holds or a deadline passes (tests and the FakeKubelet use this instead of sleeps). */
export const waitFor = async <A>(
  probe: () => A | undefined | false | Promise<A | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}
): Promise<A> => {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  for (;;) {
    const v = await probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? "a condition"}`)
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 20))
  }
}
