// Replies held while onReply handlers run (write-driven invalidation holds a reply until caches are
// clean). Replies leave in the order they came from the upstream: a reply whose handlers finish early
// waits behind an earlier one still held, so the client sees the upstream's order. Bounded by the
// connection's in-flight cap (every entry was a pending call).
import type { Message } from '../codec/index.js'
import type { PendingCall } from './pending.js'

interface Held {
  readonly call: PendingCall
  readonly reply: Message
  ready: boolean
}

export class ReplyQueue {
  private readonly held: Held[] = []
  private deliver: ((p: PendingCall, r: Message) => void) | undefined
  private flushed: (() => void) | undefined

  get isEmpty(): boolean {
    return this.held.length === 0
  }

  /** The ways out, set once by the owning connection. */
  bind(deliver: (p: PendingCall, r: Message) => void, flushed: () => void): void {
    this.deliver = deliver
    this.flushed = flushed
  }

  add(call: PendingCall, reply: Message, wait: Promise<void> | undefined): void {
    const h: Held = { call, reply, ready: wait === undefined }
    this.held.push(h)
    if (wait === undefined) return this.flush()
    // runOnReply's promise never rejects: handler errors are reported where they happen.
    void wait.then(() => {
      h.ready = true
      this.flush()
    })
  }

  /** Drops everything held (the client is gone). */
  clear(): void {
    this.held.length = 0
  }

  private flush(): void {
    let n = 0
    while (n < this.held.length && (this.held[n] as Held).ready) n++
    if (n === 0) return
    const out = this.held.splice(0, n)
    for (const h of out) this.deliver?.(h.call, h.reply)
    this.flushed?.()
  }
}
