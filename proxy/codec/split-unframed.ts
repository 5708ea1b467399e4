// Splitting unframed (buffered-transport) streams, where only walking the struct finds a
// message's end. A message whole inside the chunk takes the plain walk (unframed-fast.ts) and is
// yielded as a view. Otherwise the resumable scanner takes over, the bytes are copied once into
// an accumulator that grows geometrically (fresh memory each time, never reused once handed
// out), and each later chunk is scanned only from where the scanner stopped: linear overall.

import { decodeName } from './name-cache.js'
import { assembleMessage, dialectOf, toMessage } from './to-message.js'
import { DEFAULT_LIMITS, MessageType, type CodecLimits, type Dialect, type Message, type Protocol } from './types.js'
import { found, wholeMessageEnd } from './unframed-fast.js'
import { UnframedScanner } from './unframed-scanner.js'

/** The first accumulator for a message that spans chunks (it doubles from there). */
const MIN_ACCUMULATOR = 1024

export class UnframedSplitter {
  private readonly scanner: UnframedScanner
  private acc: Buffer | undefined
  private accLen = 0
  /** The dialect of the last message. */
  dialect: Dialect | undefined
  private readonly oldStyle: Dialect
  private readonly strict: Dialect

  constructor(
    private readonly protocol: Protocol,
    private readonly limits: CodecLimits,
  ) {
    this.scanner = new UnframedScanner(protocol, limits)
    this.oldStyle = dialectOf('unframed', protocol, false)
    this.strict = dialectOf('unframed', protocol, true)
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
      if (whole >= 0) {
        pos = whole
        // the whole chunk is one message (one call at a time): the chunk is its own view
        onMessage(this.found(chunk, start === 0 && whole === end ? chunk : chunk.subarray(start, whole), start))
        continue
      }
      const stop = scanner.feed(chunk, pos, end)
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

  /** The message wholeMessageEnd just found at `start` in `chunk`, from the envelope it read. */
  private found(chunk: Buffer, raw: Buffer, start: number): Message {
    const f = found
    const type = f.type
    // anything unusual takes the general path, which throws the precise error
    if (type < MessageType.CALL || type > MessageType.ONEWAY || f.nameEnd - f.nameStart > DEFAULT_LIMITS.maxMessageSize) {
      return this.message(raw)
    }
    const dialect = f.strict ? this.strict : this.oldStyle
    this.dialect = dialect
    const name = decodeName(chunk, f.nameStart, f.nameEnd)
    return assembleMessage(raw, raw, dialect, undefined, type as MessageType, name, f.seqid, f.bodyStart - start)
  }

  private message(raw: Buffer): Message {
    const m = toMessage(raw, raw, 'unframed', this.protocol, undefined)
    this.dialect = m.dialect
    return m
  }
}
