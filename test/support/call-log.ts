// What a test server received, in arrival order, with a way to await a call.
import { withTimeout } from './net.js'

export interface RecordedCall {
  readonly service: 'Interop' | 'Second'
  readonly method: string
  readonly args: readonly unknown[]
  /** Header transport: the THeader info headers that came with the call (keys as sent). */
  headers?: Record<string, string>
}

/** What a server received, in arrival order (oneway calls included). */
export class CallLog {
  readonly all: RecordedCall[] = []
  private waiters: { match: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }[] = []

  /** Calls recorded since the last attachHeaders (the current frame's). */
  private sinceFrame: RecordedCall[] = []

  record(c: RecordedCall): void {
    this.all.push(c)
    this.sinceFrame.push(c)
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(c)) return true
      w.resolve(c)
      return false
    })
  }

  count(method?: string): number {
    return method === undefined ? this.all.length : this.all.filter((c) => c.method === method).length
  }

  /** Resolves with the first call (already received or future) of `method` matching `pred`. */
  waitFor(method: string, pred: (args: readonly unknown[]) => boolean = () => true, timeoutMs = 5000): Promise<RecordedCall> {
    const match = (c: RecordedCall): boolean => c.method === method && pred(c.args)
    const seen = this.all.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    const p = new Promise<RecordedCall>((resolve) => this.waiters.push({ match, resolve }))
    return withTimeout(p, timeoutMs, `waiting for a ${method} call`)
  }

  /**
   * Header servers: the processor records a call while it reads the call's frame, synchronously,
   * so the calls recorded since the previous frame came with these headers.
   */
  attachHeaders(h: Record<string, string>): void {
    for (const c of this.sinceFrame) c.headers = { ...h }
    this.sinceFrame = []
  }

  clear(): void {
    this.all.length = 0
    this.sinceFrame = []
  }
}
