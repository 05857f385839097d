/**
 * How deep a document from outside may nest. The yaml library parses any depth, but writing a
 * document back and merging patches into it recurse once per level: a few thousand levels
 * overflow the stack. kubeadm's documents nest a dozen levels at most.
 */

/** The deepest nesting of lists and maps accepted in a KubeletConfiguration or a patch. */
export const MAX_NESTING = 100

/** Whether `value` holds lists or maps nested deeper than `limit` (walked without recursion). */
export const nestedDeeperThan = (value: unknown, limit: number = MAX_NESTING): boolean => {
  const stack: Array<[unknown, number]> = [[value, 0]]
  const seen = new Set<object>()
  while (stack.length > 0) {
    const [v, depth] = stack.pop() ?? [undefined, 0]
    if (typeof v !== "object" || v === null || seen.has(v)) continue
    if (depth >= limit) return true
    seen.add(v)
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1])
  }
  return false
}
