/**
 * Node-specific values out of a text: each side's node name and address become placeholders,
 * and the values that differ on every run (durations, dates in file names, klog headers,
 * ephemeral ports) become fixed words, so two joins compare on what they decided.
 */

/** What differs between the two machines of a case by design. */
export interface Side {
  readonly nodeName: string
  readonly address: string
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The text with this side's node name and address replaced, and run-dependent values fixed. */
export const normalise = (text: string, side: Side): string =>
  text
    .replace(new RegExp(`(?<![\\w.-])${escape(side.address)}(?![\\d])`, "g"), "<node-address>")
    .replace(
      new RegExp(`(?<![\\w-])${escape(side.nodeName)}(?=(-ca)?@)|(?<![\\w-])${escape(side.nodeName)}(?![\\w-])`, "g"),
      "<node-name>"
    )
    .replace(/\b\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\b/g, "<date>")
    .replace(/\bafter \d+(\.\d+)?(ns|µs|us|ms|s|m)(\d+(\.\d+)?(ms|s))?/g, "after <duration>")
    .replace(/127\.0\.0\.1:\d{4,5}->/g, "127.0.0.1:<port>->")
    // the kubelet's self-signed serving certificate and its CA are named after the node and the second
    .replace(/@\d{9,}\b/g, "@<time>")

/** A klog line's header (`E1203 18:37:48.869310    6691 file.go:12] `), which names time and pid. */
export const KLOG_HEADER = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]]+\] /

/** A path with run-dependent parts fixed (the kubelet's dated client certificate). */
export const normalisePath = (path: string): string => path.replace(/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}/g, "<date>")
