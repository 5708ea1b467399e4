// Reconnect backoff for one upstream, shared by every connection to it. After a connect failure the
// proxy does not hammer a dead upstream once per incoming call: calls fail fast with INTERNAL_ERROR
// until the backoff passes, then the next connect is a probe; success resets it.
import type { BackoffOptions } from './options.js'

export class Backoff {
  private readonly opts: BackoffOptions
  private delayMs = 0
  private until = 0
  private lastCause = ''

  constructor(opts: BackoffOptions, private readonly now: () => number = Date.now) {
    this.opts = opts
  }

  /** Milliseconds until the next connect may be tried; 0 = go ahead. */
  blockedForMs(): number {
    const left = this.until - this.now()
    return left > 0 ? left : 0
  }

  /** Words for the error a fast-failed call gets: why the last connect failed. */
  get cause(): string {
    return this.lastCause
  }

  failed(cause: string): void {
    this.delayMs = this.delayMs === 0 ? this.opts.initialMs : Math.min(this.opts.maxMs, this.delayMs * this.opts.factor)
    this.until = this.now() + this.delayMs
    this.lastCause = cause
  }

  succeeded(): void {
    this.delayMs = 0
    this.until = 0
    this.lastCause = ''
  }

  get currentDelayMs(): number {
    return this.delayMs
  }
}
