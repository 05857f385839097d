/**
 * Fault injection, per route: answer the next N matching requests with a status (500, 503,
 * 429 + Retry-After, ...), delay them, reset their connection, or rewrite the response body
 * (a man in the middle). Rules are consulted in the order they were added.
 */
import type { UserInfo } from "../auth/authentication.js"

/** Which requests a fault applies to; every field left out matches anything. */
export interface RouteMatch {
  /** HTTP method; any when absent. */
  readonly method?: string
  /** Exact path (no query) or a RegExp tested against the path. Any when absent. */
  readonly path?: string | RegExp
  /** Only requests from this user (name or RegExp); "system:anonymous" for unauthenticated ones. */
  readonly user?: string | RegExp
}

/** What a fault does to a matched request: answer with a status, delay it, or reset the connection. */
export type FaultAction =
  | { readonly kind: "status"; readonly status: number; readonly retryAfterSeconds?: number; readonly message?: string }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "reset" }

interface Rule {
  readonly match: RouteMatch
  readonly action: FaultAction
  remaining: number
  hits: number
}

/** Rewrites a response body on its way to a given user (the man-in-the-middle faults). */
export type BodyFilter = (body: unknown, user: UserInfo) => unknown

interface Filter {
  readonly match: RouteMatch
  readonly filter: BodyFilter
  readonly name: string
}

/** The parts of an incoming request that faults match on. */
export interface RequestInfo {
  readonly method: string
  readonly path: string
  readonly user: UserInfo | undefined
}

const test = (m: string | RegExp | undefined, v: string): boolean =>
  m === undefined || (typeof m === "string" ? m === v : m.test(v))

/** Whether a request falls under a route match (method case-insensitive, path and user exact or by RegExp). */
export const routeMatches = (m: RouteMatch, r: RequestInfo): boolean =>
  (m.method === undefined || m.method.toUpperCase() === r.method.toUpperCase()) &&
  test(m.path, r.path) &&
  (m.user === undefined || (r.user !== undefined && test(m.user, r.user.name)))

/** A handle on one added fault: how often it fired, and a way to remove it. */
export interface FaultHandle {
  readonly hits: () => number
  readonly remove: () => void
}

/** The fault rules of one test cluster, consulted by the API server for every request before it is served. */
export class Faults {
  private rules: Rule[] = []
  private filters: Filter[] = []

  private add(match: RouteMatch, action: FaultAction, count: number): FaultHandle {
    const rule: Rule = { match, action, remaining: count, hits: 0 }
    this.rules.push(rule)
    return { hits: () => rule.hits, remove: () => void (this.rules = this.rules.filter((r) => r !== rule)) }
  }

  /** Answer the next `count` matching requests with `status` (and a Retry-After header when given). */
  failNext(
    match: RouteMatch,
    count: number,
    status: number,
    options: { retryAfterSeconds?: number; message?: string } = {}
  ): FaultHandle {
    return this.add(match, { kind: "status", status, ...options }, count)
  }

  /** Hold the next `count` matching requests for `ms` before serving them normally. */
  delayNext(match: RouteMatch, count: number, ms: number): FaultHandle {
    return this.add(match, { kind: "delay", ms }, count)
  }

  /** Destroy the connection of the next `count` matching requests without an answer. */
  resetNext(match: RouteMatch, count: number): FaultHandle {
    return this.add(match, { kind: "reset" }, count)
  }

  /** Rewrite successful response bodies of matching requests until removed. */
  rewrite(name: string, match: RouteMatch, filter: BodyFilter): FaultHandle {
    const f: Filter = { match, filter, name }
    this.filters.push(f)
    return { hits: () => 0, remove: () => void (this.filters = this.filters.filter((x) => x !== f)) }
  }

  clear(): void {
    this.rules = []
    this.filters = []
  }

  /** The faults for this request (consuming one use of each). Delays come before a terminal action. */
  take(r: RequestInfo): { delayMs: number; terminal?: FaultAction; names: string[] } {
    let delayMs = 0
    let terminal: FaultAction | undefined
    const names: string[] = []
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !routeMatches(rule.match, r)) continue
      if (rule.action.kind === "delay") delayMs += rule.action.ms
      else if (terminal) continue
      else terminal = rule.action
      rule.remaining--
      rule.hits++
      names.push(rule.action.kind === "status" ? `status ${rule.action.status}` : rule.action.kind)
    }
    this.rules = this.rules.filter((x) => x.remaining > 0)
    return { delayMs, ...(terminal ? { terminal } : {}), names }
  }

  /** Applies the body rewrites that match; returns the (possibly) new body and the filter names applied. */
  filterBody(r: RequestInfo, body: unknown): { body: unknown; names: string[] } {
    let out = body
    const names: string[] = []
    for (const f of this.filters)
      if (r.user && routeMatches(f.match, r)) {
        out = f.filter(out, r.user)
        names.push(f.name)
      }
    return { body: out, names }
  }
}
