/**
 * `?watch=true`: a chunked stream of `{"type":..,"object":..}` lines. Without a resourceVersion
 * (or "0") the current objects come first as ADDED; with one, the events after it (an ERROR
 * event with a 410 Expired Status when the history is too short). `timeoutSeconds` ends it.
 */
import type { ServerResponse } from "node:http"
import { present, type RequestContext } from "./handlers.js"
import { resourceKey } from "./resources.js"
import { selectorMatcher } from "./selectors.js"
import { gone } from "./status.js"
import { type KubeObject, StoreError, type StoreEvent } from "./store.js"

/** Streams the watch on `res` until timeoutSeconds, the client closing, or the returned stop function; then `onEnd`. */
export const serveWatch = (ctx: RequestContext, res: ServerResponse, onEnd: () => void): (() => void) => {
  const { route: r, store } = ctx
  const key = resourceKey(r.type)
  const matchSel = selectorMatcher(ctx.query.get("fieldSelector"), ctx.query.get("labelSelector"))
  const matches = (o: KubeObject) =>
    (r.namespace === undefined || o.metadata.namespace === r.namespace) &&
    (r.name === undefined || o.metadata.name === r.name) &&
    matchSel(o)
  res.writeHead(200, {
    "content-type": "application/json",
    "transfer-encoding": "chunked",
    "cache-control": "no-cache"
  })
  res.flushHeaders()
  const send = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + "\n")
  const sendEvent = (e: StoreEvent) => {
    if (e.resource === key && matches(e.object)) send(e.type, present(r.type, r.version, e.object))
  }

  let closed = false
  let unsubscribe = () => {}
  let timer: NodeJS.Timeout | undefined
  const close = () => {
    if (closed) return
    closed = true
    unsubscribe()
    if (timer) clearTimeout(timer)
    res.end()
    onEnd()
  }
  const rvParam = ctx.query.get("resourceVersion") ?? ""
  try {
    const backlog = rvParam === "" || rvParam === "0" ? undefined : store.eventsSince(Number(rvParam))
    // subscribe before replaying so nothing committed in between is lost
    const pending: StoreEvent[] = []
    let replaying = true
    unsubscribe = store.subscribe((e) => (replaying ? pending.push(e) : sendEvent(e)))
    if (backlog === undefined)
      for (const o of store.list(key, r.namespace).filter(matches)) send("ADDED", present(r.type, r.version, o))
    else for (const e of backlog) sendEvent(e)
    const seen = backlog?.[backlog.length - 1]?.resourceVersion ?? 0
    replaying = false
    for (const e of pending)
      if (e.resourceVersion > seen && backlog !== undefined) sendEvent(e)
      else if (backlog === undefined) sendEvent(e)
  } catch (e) {
    if (e instanceof StoreError && e.code === "Gone") {
      send("ERROR", gone(e.message).body)
      close()
      return close
    }
    throw e
  }
  const timeoutSeconds = Number(ctx.query.get("timeoutSeconds") ?? "")
  if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) timer = setTimeout(close, timeoutSeconds * 1000)
  res.on("close", close)
  return close
}
