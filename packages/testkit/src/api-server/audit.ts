/** Every request the fake API server answered: who, what, and the status it got. */
export interface AuditEntry {
  readonly seq: number
  readonly time: Date
  readonly method: string
  /** Path with query string. */
  readonly url: string
  /** Path without query string. */
  readonly path: string
  /** get, list, watch, create, update, patch, delete; or the HTTP method for non-resource paths. */
  readonly verb: string
  /** "" when authentication failed (401). */
  readonly user: string
  readonly groups: ReadonlyArray<string>
  readonly via: "anonymous" | "bootstrap-token" | "client-certificate" | "failed"
  /** Whether an Authorization header was sent at all (even an invalid one). */
  readonly bearerSent: boolean
  readonly status: number
  /** Set when a fault answered instead of the server. */
  readonly fault?: string
}

/** The server's request log, in arrival order, numbered; tests assert on who called what and what they got. */
export class AuditLog {
  private readonly items: AuditEntry[] = []
  private seq = 0

  record(entry: Omit<AuditEntry, "seq">): void {
    this.items.push({ ...entry, seq: ++this.seq })
  }

  get entries(): ReadonlyArray<AuditEntry> {
    return [...this.items]
  }

  /** Entries matching a predicate. */
  filter(p: (e: AuditEntry) => boolean): ReadonlyArray<AuditEntry> {
    return this.items.filter(p)
  }

  clear(): void {
    this.items.length = 0
  }
}
