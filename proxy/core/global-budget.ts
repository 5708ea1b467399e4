// Limits shared by every client connection of one proxy: calls in flight in total, and bytes held
// for incomplete client messages in total. Per-connection limits alone let many connections add up
// to more than the process can hold (10,000 connections x a 16 MB partial frame each); these cap
// the sum. Over a limit a connection is not failed: it stops reading (TCP backpressure) and waits
// here, in arrival order, until another connection frees room. A connection held for a partial
// message is still bounded in time by the message deadline (slow-client.ts), so waiting here can
// never hold memory forever.

/** A connection waiting for room (ClientConnection implements it). */
export interface BudgetWaiter {
  /** Room was freed: try again (may wait again by calling waitFor*). */
  budgetFreed(): void
}

export interface GlobalBudgetLimits {
  /** Calls awaiting a reply across all client connections; at the cap new calls wait. */
  readonly maxInFlightTotal: number
  /** Bytes held for incomplete client messages across all connections; over it, reading pauses. */
  readonly maxBufferedBytesTotal: number
}

export class GlobalBudget {
  private bufferedBytes = 0
  private readonly inFlightWaiters = new Set<BudgetWaiter>()
  private readonly bufferWaiters = new Set<BudgetWaiter>()
  private waking = false

  constructor(
    private readonly limits: GlobalBudgetLimits,
    /** The proxy's in-flight gauge (CoreCounters.inFlight), read rather than counted twice. */
    private readonly inFlight: () => number,
  ) {}

  /** Bytes held for incomplete messages right now, all connections. */
  get buffered(): number {
    return this.bufferedBytes
  }

  get waiting(): number {
    return this.inFlightWaiters.size + this.bufferWaiters.size
  }

  get inFlightFull(): boolean {
    return this.inFlight() >= this.limits.maxInFlightTotal
  }

  get bufferFull(): boolean {
    return this.bufferedBytes > this.limits.maxBufferedBytesTotal
  }

  /** A connection's held bytes changed by `delta` (after each chunk, and back to 0 on close). */
  addBuffered(delta: number): void {
    this.bufferedBytes += delta
    if (delta < 0 && this.bufferWaiters.size > 0) this.wake()
  }

  waitForInFlight(w: BudgetWaiter): void {
    this.inFlightWaiters.add(w)
  }

  waitForBuffer(w: BudgetWaiter): void {
    this.bufferWaiters.add(w)
  }

  /** The connection closed: it waits for nothing any more. */
  forget(w: BudgetWaiter): void {
    this.inFlightWaiters.delete(w)
    this.bufferWaiters.delete(w)
  }

  /** A call ended somewhere (reply, timeout, failure, close): let waiting connections in. */
  callEnded(): void {
    if (this.inFlightWaiters.size > 0) this.wake()
  }

  private wake(): void {
    // A woken connection dispatches calls, which may end synchronously (a local answer) and come
    // back here: one loop does the waking.
    if (this.waking) return
    this.waking = true
    try {
      this.drain(this.inFlightWaiters, () => this.inFlightFull)
      this.drain(this.bufferWaiters, () => this.bufferFull)
    } finally {
      this.waking = false
    }
  }

  private drain(set: Set<BudgetWaiter>, full: () => boolean): void {
    // Each waiter is taken out before it is woken; one that must wait again re-adds itself at the end.
    let n = set.size
    for (const w of set) {
      if (n-- <= 0 || full()) return
      set.delete(w)
      w.budgetFreed()
    }
  }
}
