// The calls of one client connection that await a reply, keyed by seqid. Replies are matched by seqid
// (not by order) because Node and fbthrift servers may answer out of order (THRIFT-WIRE-NOTES, "How real
// servers treat one connection"). A client may reuse a seqid while a call with it is still in flight;
// such calls queue FIFO under their seqid, so the n-th reply with that seqid goes to the n-th call.
// A call that timed out stays as a tombstone until its late reply arrives, so that the late reply is
// dropped instead of being taken for the answer to a later call reusing the seqid.
import type { Message } from '../codec/index.js'
import type { TrackedCall } from './handler-runner.js'

export class PendingCall implements TrackedCall {
  /** performance.now() when forwarded, or 0 when nobody listens for request events. */
  startedAt = 0
  /** performance.now() past which the call times out; 0 = no timeout. */
  deadline = 0
  timedOut = false
  /** Registration position of the handler that answered the call locally; -1 = none (TrackedCall). */
  answeredBy = -1
  /** The next call in flight with the same seqid (FIFO). */
  next: PendingCall | undefined = undefined

  constructor(
    readonly message: Message,
    readonly connectionId: number,
    readonly timeoutMs: number,
  ) {}
}

export class PendingTable {
  private readonly bySeqid = new Map<number, PendingCall>()
  /** Calls still waiting (tombstones excluded). */
  live = 0
  /** Timed-out calls whose late reply has not come. */
  tombstones = 0

  add(p: PendingCall): void {
    const head = this.bySeqid.get(p.message.seqid)
    if (head === undefined) {
      this.bySeqid.set(p.message.seqid, p)
    } else {
      let tail = head
      while (tail.next !== undefined) tail = tail.next
      tail.next = p
    }
    this.live++
  }

  /** The oldest call with this seqid (live or tombstone), removed; undefined when none. */
  take(seqid: number): PendingCall | undefined {
    const head = this.bySeqid.get(seqid)
    if (head === undefined) return undefined
    if (head.next === undefined) this.bySeqid.delete(seqid)
    else this.bySeqid.set(seqid, head.next)
    head.next = undefined
    if (head.timedOut) this.tombstones--
    else this.live--
    return head
  }

  markTimedOut(p: PendingCall): void {
    p.timedOut = true
    this.live--
    this.tombstones++
  }

  /**
   * The live calls whose deadline is at or before `now` (they stay in the table: mark them timed
   * out), and the earliest deadline among the others (Infinity when none).
   */
  expired(now: number): { due: PendingCall[]; next: number } {
    const due: PendingCall[] = []
    let next = Infinity
    for (const head of this.bySeqid.values()) {
      for (let p: PendingCall | undefined = head; p !== undefined; p = p.next) {
        if (p.timedOut || p.deadline === 0) continue
        if (p.deadline <= now) due.push(p)
        else if (p.deadline < next) next = p.deadline
      }
    }
    return { due, next }
  }

  /** Every live call, removed, in the order they were added per seqid; tombstones are discarded. */
  takeAll(): PendingCall[] {
    const out: PendingCall[] = []
    for (const head of this.bySeqid.values()) {
      for (let p: PendingCall | undefined = head; p !== undefined; ) {
        const next: PendingCall | undefined = p.next
        p.next = undefined
        if (!p.timedOut) out.push(p)
        p = next
      }
    }
    this.bySeqid.clear()
    this.live = 0
    this.tombstones = 0
    return out
  }
}
