// A circuit breaker for the shared tier. Closed: Redis is used. After `failureThreshold` failures in
// a row it opens: Redis is not asked at all (reads go to the in-process tier and the upstream
// without waiting for a timeout each). The owner probes while open and closes it on success;
// there is no half-open traffic, because a probe must also replay queued invalidations first
// (see redis-tier.ts), which ordinary reads cannot do.

export type BreakerState = 'closed' | 'open'

export interface BreakerOptions {
  readonly failureThreshold: number
  /** Time between probes while open. */
  readonly probeIntervalMs: number
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 3, probeIntervalMs: 500 }

export class CircuitBreaker {
  readonly options: BreakerOptions
  #state: BreakerState = 'closed'
  #failures = 0
  #opens = 0
  readonly #onChange: ((s: BreakerState) => void) | undefined

  constructor(options: Partial<BreakerOptions> = {}, onChange?: (s: BreakerState) => void) {
    this.options = { ...DEFAULT_BREAKER, ...options }
    this.#onChange = onChange
  }

  get state(): BreakerState {
    return this.#state
  }

  get closed(): boolean {
    return this.#state === 'closed'
  }

  /** How many times it has opened (a metric). */
  get opens(): number {
    return this.#opens
  }

  success(): void {
    this.#failures = 0
  }

  /** Returns true when this failure opened the breaker. */
  failure(): boolean {
    this.#failures++
    if (this.#state === 'closed' && this.#failures >= this.options.failureThreshold) {
      this.open()
      return true
    }
    return false
  }

  open(): void {
    if (this.#state === 'open') return
    this.#state = 'open'
    this.#opens++
    this.#onChange?.('open')
  }

  close(): void {
    this.#failures = 0
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#onChange?.('closed')
  }
}
