/**
 * The object store behind the fake API server: JSON objects keyed by resource, namespace and
 * name, a global resourceVersion counter, optimistic concurrency, and change events with a
 * bounded history so watches can resume from a resourceVersion.
 */
import { randomUUID } from "node:crypto"

/** A stored object: JSON with the metadata fields the server reads; everything else passes through. */
export type KubeObject = {
  apiVersion?: string
  kind?: string
  metadata: {
    name?: string
    generateName?: string
    namespace?: string
    uid?: string
    resourceVersion?: string
    creationTimestamp?: string
    deletionTimestamp?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: Array<{
      apiVersion: string
      kind: string
      name: string
      uid: string
      controller?: boolean
      blockOwnerDeletion?: boolean
    }>
    [k: string]: unknown
  }
  [k: string]: unknown
}

/** A watch event's `type`, as the API server streams it. */
export type EventType = "ADDED" | "MODIFIED" | "DELETED"

/** One change, as watches see it: the object after it (its last state, for DELETED) and the new resourceVersion. */
export interface StoreEvent {
  readonly type: EventType
  /** Storage key of the resource type, e.g. "secrets". */
  readonly resource: string
  readonly object: KubeObject
  readonly resourceVersion: number
}

/** A store refusal; handlers turn each code into the matching Status error. */
export class StoreError extends Error {
  constructor(
    readonly code: "NotFound" | "AlreadyExists" | "Conflict" | "Gone",
    message: string
  ) {
    super(message)
  }
}

const HISTORY = 2_000
const clone = <T>(v: T): T => structuredClone(v)
const randomSuffix = () => Math.random().toString(36).slice(2, 7).padEnd(5, "x")

/** The fake API server's objects; tests seed and inspect clusters through it directly. */
export class Store {
  private readonly objects = new Map<string, Map<string, KubeObject>>()
  private readonly listeners = new Set<(e: StoreEvent) => void>()
  private readonly history: StoreEvent[] = []
  private rv = 1

  get resourceVersion(): number {
    return this.rv
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.objects.get(resource)
    if (!b) this.objects.set(resource, (b = new Map<string, KubeObject>()))
    return b
  }

  private static id(namespace: string | undefined, name: string): string {
    return `${namespace ?? ""}/${name}`
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.bucket(resource).get(Store.id(namespace, name))
    return o ? clone(o) : undefined
  }

  /** Objects of a resource, optionally in one namespace, sorted by namespace/name. */
  list(resource: string, namespace?: string): KubeObject[] {
    return [...this.bucket(resource).entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => clone(o))
  }

  /** A name for metadata.generateName: the prefix plus a random suffix no object of the resource holds yet. */
  freeName(resource: string, namespace: string | undefined, prefix: string): string {
    const b = this.bucket(resource)
    let name: string
    do name = prefix + randomSuffix()
    while (b.has(Store.id(namespace, name)))
    return name
  }

  create(resource: string, obj: KubeObject): KubeObject {
    const o = clone(obj)
    const name = o.metadata.name ?? ""
    if (this.bucket(resource).has(Store.id(o.metadata.namespace, name))) throw new StoreError("AlreadyExists", name)
    o.metadata.uid = randomUUID()
    o.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z")
    delete o.metadata.resourceVersion
    return this.commit("ADDED", resource, o)
  }

  /** Replace; a set resourceVersion that is not the current one is a Conflict. */
  update(resource: string, obj: KubeObject): KubeObject {
    const o = clone(obj)
    const current = this.bucket(resource).get(Store.id(o.metadata.namespace, o.metadata.name ?? ""))
    if (!current) throw new StoreError("NotFound", o.metadata.name ?? "")
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== current.metadata.resourceVersion)
      throw new StoreError("Conflict", o.metadata.name ?? "")
    if (current.metadata.uid) o.metadata.uid = current.metadata.uid
    if (current.metadata.creationTimestamp) o.metadata.creationTimestamp = current.metadata.creationTimestamp
    if (
      JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } }) ===
      JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: undefined } })
    )
      return clone(current)
    return this.commit("MODIFIED", resource, o)
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject {
    const b = this.bucket(resource)
    const current = b.get(Store.id(namespace, name))
    if (!current) throw new StoreError("NotFound", name)
    b.delete(Store.id(namespace, name))
    const gone = clone(current)
    const rv = ++this.rv
    gone.metadata.resourceVersion = String(rv)
    this.emit({ type: "DELETED", resource, object: gone, resourceVersion: rv })
    this.collectGarbage(gone)
    return clone(gone)
  }

  private commit(type: EventType, resource: string, o: KubeObject): KubeObject {
    const rv = ++this.rv
    o.metadata.resourceVersion = String(rv)
    this.bucket(resource).set(Store.id(o.metadata.namespace, o.metadata.name ?? ""), o)
    this.emit({ type, resource, object: clone(o), resourceVersion: rv })
    return clone(o)
  }

  private emit(e: StoreEvent): void {
    this.history.push(e)
    if (this.history.length > HISTORY) this.history.shift()
    for (const l of [...this.listeners]) l(e)
  }

  /** The garbage collector, minimal: objects owned (by uid) by a deleted object go too. */
  private collectGarbage(owner: KubeObject): void {
    for (const [resource, b] of this.objects)
      for (const o of [...b.values()])
        if (o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid))
          this.delete(resource, o.metadata.namespace, o.metadata.name ?? "")
  }

  /** Subscribe to every change; returns the unsubscribe function. */
  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Events after `resourceVersion`, or Gone when the history no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoreEvent[] {
    const first = this.history[0]
    if (first && resourceVersion < first.resourceVersion - 1 && resourceVersion < this.rv)
      throw new StoreError("Gone", `too old resource version: ${resourceVersion} (${first.resourceVersion - 1})`)
    return this.history.filter((e) => e.resourceVersion > resourceVersion)
  }
}
