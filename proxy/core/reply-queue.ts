// Answers held while handlers run: an upstream reply waits for onReply (write-driven invalidation
// holds a reply until caches are clean), an error for a call whose outcome is unknown waits for
// onFailure (so the invalidation lands before the client can read again). Answers leave in the order
// their calls ended at the upstream: one whose handlers finish early waits behind an earlier one still
// held. Bounded in number by the connection's in-flight cap (held answers count against it like calls
// in flight; plus the one exception sent before closing on a protocol error) and in time by each
// entry's hold deadline: a hung handler delays an answer, it cannot keep it (or the client) forever.
import { performance } from 'node:perf_hooks'
import type { Message } from '../codec/index.js'
import { DeadlineTimer } from './deadline-timer.js'
import type { PendingCall } from './pending.js'

interface Held {
  /** undefined for an answer to no call (the exception sent before closing on a protocol error). */
  readonly call: PendingCall | undefined
  /** An upstream reply, or else `pieces`: an answer the proxy made (local answer, error). */
  readonly reply: Message | undefined
  readonly pieces: readonly Buffer[] | undefined
  ready: boolean
  /** performance.now() past which it leaves even if its handlers are still running. */
  readonly until: number
  readonly holdMs: number
}

/** The ways out, given by the owning connection. */
export interface ReplySink {
  reply(p: PendingCall, r: Message): void
  pieces(pieces: readonly Buffer[]): void
  /** Held answers just left (let parked calls in, finish a close). */
  flushed(): void
  /** An answer left at its hold deadline while its handlers were still running. */
  overdue(p: PendingCall, stage: 'onReply' | 'onFailure', holdMs: number): void
}

export class ReplyQueue {
  private readonly held: Held[] = []
  private readonly timer = new DeadlineTimer(() => this.expire())

  constructor(private readonly sink: ReplySink) {}

  get isEmpty(): boolean {
    return this.held.length === 0
  }

  get length(): number {
    return this.held.length
  }

  /** An upstream reply, released when `wait` (never rejecting) resolves or after `holdMs`. */
  add(call: PendingCall, reply: Message, wait: Promise<void> | undefined, holdMs: number): void {
    this.push(call, reply, undefined, wait, holdMs)
  }

  /** An answer the proxy made, released when `wait` resolves or after `holdMs`. */
  addPieces(call: PendingCall | undefined, pieces: readonly Buffer[], wait: Promise<void> | undefined, holdMs: number): void {
    this.push(call, undefined, pieces, wait, holdMs)
  }

  /** Drops everything held (the client is gone); the handlers still run to completion. */
  clear(): void {
    this.held.length = 0
    this.timer.clear()
  }

  private push(call: PendingCall | undefined, reply: Message | undefined, pieces: readonly Buffer[] | undefined, wait: Promise<void> | undefined, holdMs: number): void {
    const until = wait === undefined ? 0 : performance.now() + holdMs
    const h: Held = { call, reply, pieces, ready: wait === undefined, until, holdMs }
    this.held.push(h)
    if (wait === undefined) return this.flush()
    this.timer.arm(until)
    // The runner's promises never reject: handler errors are reported where they happen.
    void wait.then(() => {
      if (h.ready) return // released at its deadline already
      h.ready = true
      this.flush()
    })
  }

  private expire(): void {
    // Timers may fire up to a millisecond before the deadline they were computed for.
    const now = performance.now() + 1
    let next = Infinity
    for (const h of this.held) {
      if (h.ready) continue
      if (h.until > now) {
        next = Math.min(next, h.until)
        continue
      }
      h.ready = true
      if (h.call !== undefined) this.sink.overdue(h.call, h.reply !== undefined ? 'onReply' : 'onFailure', h.holdMs)
    }
    if (next < Infinity) this.timer.arm(next)
    this.flush()
  }

  private flush(): void {
    let n = 0
    while (n < this.held.length && (this.held[n] as Held).ready) n++
    if (n === 0) return
    const out = this.held.splice(0, n)
    for (const h of out) {
      if (h.reply !== undefined) this.sink.reply(h.call as PendingCall, h.reply)
      else this.sink.pieces(h.pieces as readonly Buffer[])
    }
    this.sink.flushed()
  }
}
