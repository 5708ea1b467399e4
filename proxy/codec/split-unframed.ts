// Splitting unframed (buffered-transport) streams, where only walking the struct finds a
// message's end. A message whole inside the chunk takes the plain walk (unframed-fast.ts) and is
// yielded as a view. Otherwise the resumable scanner takes over, the bytes are copied once into
// an accumulator that grows geometrically (fresh memory each time, never reused once handed
// out), and each later chunk is scanned only from where the scanner stopped: linear overall.

import { toMessage } from './to-message.js'
import type { CodecLimits, Dialect, Message, Protocol } from './types.js'
import { wholeMessageEnd } from './unframed-fast.js'
import { UnframedScanner } from './unframed-scanner.js'

/** The first accumulator for a message that spans chunks (it doubles from there). */
const MIN_ACCUMULATOR = 1024

export class UnframedSplitter {
  private readonly scanner: UnframedScanner
  private acc: Buffer | undefined
  private accLen = 0
  /** The dialect of the last message. */
  dialect: Dialect | undefined

  constructor(
    private readonly protocol: Protocol,
    private readonly limits: CodecLimits,
  ) {
    this.scanner = new UnframedScanner(protocol, limits)
  }

  get bufferedBytes(): number {
    return this.acc === undefined ? 0 : this.accLen
  }

  push(chunk: Buffer, onMessage: (m: Message) => void): void {
    const scanner = this.scanner
    const end = chunk.length
    let pos = 0
    while (pos < end) {
      if (this.acc !== undefined) {
        const stop = scanner.feed(chunk, pos, end)
        const upTo = stop < 0 ? end : stop
        this.append(chunk, pos, upTo)
        pos = upTo
        if (stop < 0) return
        const raw = this.acc.subarray(0, this.accLen)
        this.acc = undefined
        this.accLen = 0
        scanner.reset()
        onMessage(this.message(raw))
        continue
      }
      const start = pos
      // a message whole in this chunk: the plain walk; otherwise (or on bad bytes) the scanner
      const whole = wholeMessageEnd(chunk, pos, end, this.protocol, this.limits)
      const stop = whole >= 0 ? whole : scanner.feed(chunk, pos, end)
      if (stop >= 0) {
        pos = stop
        scanner.reset()
        onMessage(this.message(chunk.subarray(start, stop)))
      } else {
        const n = end - start
        this.acc = Buffer.allocUnsafe(Math.min(Math.max(n * 2, MIN_ACCUMULATOR), this.limits.maxMessageSize))
        chunk.copy(this.acc, 0, start, end)
        this.accLen = n
        return
      }
    }
  }

  /** Appends to the accumulator, growing it geometrically (copying into new memory). */
  private append(chunk: Buffer, from: number, to: number): void {
    let acc = this.acc!
    const need = this.accLen + (to - from)
    if (need > acc.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, acc.length * 2), this.limits.maxMessageSize))
      acc.copy(grown, 0, 0, this.accLen)
      this.acc = acc = grown
    }
    chunk.copy(acc, this.accLen, from, to)
    this.accLen = need
  }

  private message(raw: Buffer): Message {
    const m = toMessage(raw, raw, 'unframed', this.protocol, undefined)
    this.dialect = m.dialect
    return m
  }
}
