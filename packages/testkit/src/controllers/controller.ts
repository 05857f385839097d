/**
 * Base of the in-process controllers: reacts to store changes it is interested in (and to a
 * timer when it has one), reconciling on the next turn of the event loop like a work queue.
 */
import { causeText } from "@kubeadm-ts/join/cause-text"
import type { Store, StoreEvent } from "../api-server/store.js"

/** A controller's life cycle: `start` subscribes to the store and reconciles once, `stop` unsubscribes and cancels the timer. */
export abstract class Controller {
  private unsubscribe: () => void = () => {}
  private queued = false
  private timer: NodeJS.Timeout | undefined
  private stopped = true

  constructor(protected readonly store: Store) {}

  protected abstract interested(
    resource: string,
    namespace: string | undefined,
    name: string | undefined,
    e: StoreEvent
  ): boolean
  protected abstract reconcile(): void | Promise<void>

  start(): this {
    this.stopped = false
    this.unsubscribe = this.store.subscribe((e) => {
      if (this.interested(e.resource, e.object.metadata.namespace, e.object.metadata.name, e)) this.kick()
    })
    this.kick()
    return this
  }

  stop(): void {
    this.stopped = true
    this.unsubscribe()
    if (this.timer) clearTimeout(this.timer)
  }

  /** Schedule a reconcile (coalesced). */
  kick(): void {
    if (this.queued || this.stopped) return
    this.queued = true
    setImmediate(() => {
      this.queued = false
      if (this.stopped) return
      Promise.resolve(this.reconcile()).catch((e: unknown) => {
        // a controller failure must not kill the test process; it is retried on the next event
        process.emitWarning(`testkit controller ${this.constructor.name}: ${causeText(e)}`)
      })
    })
  }

  /** Reconcile again at `at` (epoch ms), e.g. when the next token expires. */
  protected wakeAt(at: number | undefined): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (at === undefined || this.stopped) return
    this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(at - Date.now() + 5, 2 ** 31 - 1)))
    this.timer.unref()
  }
}
