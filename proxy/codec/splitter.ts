// MessageSplitter: arbitrary TCP chunks in, complete Thrift messages out.
//
// Zero copy when a message sits inside one chunk (the Message holds views onto the chunk). A
// message that spans chunks is copied once into a fresh accumulator: framed/THeader know the
// exact size from the length prefix; unframed grows geometrically while the resumable scanner
// walks the bytes. An accumulator is never reused once handed out, so views stay valid. Work is
// linear in the bytes received: nothing is re-parsed from the start of a message per chunk.

import { detectDialect, protocolOfPayload } from './detect.js'
import { readEnvelope, splitName } from './envelope.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { FRAME_PREFIX_SIZE, checkFrameLength } from './framed.js'
import { checkHeaderFrameLength, parseHeaderFrame } from './theader.js'
import { DEFAULT_LIMITS } from './types.js'
import type { CodecLimits, Dialect, HeaderInfo, Message, Protocol, Transport } from './types.js'
import { wholeMessageEnd } from './unframed-fast.js'
import { UnframedScanner } from './unframed-scanner.js'
import { skipStruct } from './walker.js'

export interface SplitterOptions {
  /** Fixed by config, or 'auto' (default) to detect from the first bytes. */
  readonly transport?: Transport | 'auto'
  /** Fixed by config, or 'auto' (default). THeader always takes the protocol from its header. */
  readonly protocol?: Protocol | 'auto'
  readonly limits?: Partial<CodecLimits>
  /**
   * Framed/THeader: also walk each body and require it to end exactly at the frame end (and
   * within maxDepth). Off by default: forwarding needs only the envelope; unframed bodies are
   * always walked, since that is how their end is found.
   */
  readonly verifyBodies?: boolean
}

function frozenDialects(transport: Transport): Record<Protocol, readonly [Dialect, Dialect]> {
  const d = (protocol: Protocol, strict: boolean): Dialect => Object.freeze({ transport, protocol, strict })
  return { binary: [d('binary', false), d('binary', true)], compact: [d('compact', true), d('compact', true)] }
}
const DIALECTS: Record<Transport, Record<Protocol, readonly [Dialect, Dialect]>> = {
  framed: frozenDialects('framed'),
  unframed: frozenDialects('unframed'),
  header: frozenDialects('header'),
}

/** The shared, frozen Dialect object for a combination (no per-message allocation). */
export function dialectOf(transport: Transport, protocol: Protocol, strict: boolean): Dialect {
  return DIALECTS[transport][protocol][strict ? 1 : 0]
}

/** Reads the envelope of a complete payload and assembles the Message. */
export function toMessage(
  raw: Buffer,
  payload: Buffer,
  transport: Transport,
  protocol: Protocol,
  header: HeaderInfo | undefined,
): Message {
  const env = readEnvelope(payload, 0, protocol)
  const { service, method } = splitName(env.name, env.type)
  return {
    raw,
    payload,
    dialect: dialectOf(transport, protocol, env.strict),
    header,
    type: env.type,
    name: env.name,
    service,
    method,
    seqid: env.seqid,
    bodyOffset: env.bodyOffset,
  }
}

export class MessageSplitter {
  private readonly limits: CodecLimits
  private transport: Transport | undefined
  private readonly fixedProtocol: Protocol | undefined
  private streamProtocol: Protocol | undefined
  private lastDialect: Dialect | undefined
  private failure: unknown

  // bytes held before the dialect is known
  private detectBuf: Buffer | undefined
  private detectLen = 0

  // framed / THeader: a length prefix split across chunks, then the frame being filled
  private readonly lenBuf = Buffer.alloc(FRAME_PREFIX_SIZE)
  private lenGot = 0
  // the accumulator of the message in progress (framed, THeader or unframed)
  private acc: Buffer | undefined
  private accLen = 0
  private frameTotal = 0

  private scanner: UnframedScanner | undefined
  private readonly verifyBodies: boolean

  constructor(opts: SplitterOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits }
    this.transport = opts.transport === 'auto' ? undefined : opts.transport
    this.fixedProtocol = opts.protocol === 'auto' ? undefined : opts.protocol
    this.verifyBodies = opts.verifyBodies === true
  }

  /** The dialect of the last message (or of the first bytes, once detected). */
  get dialect(): Dialect | undefined {
    return this.lastDialect
  }

  /** Bytes held for an incomplete message (never more than the max message size + 4). */
  get bufferedBytes(): number {
    return this.detectLen + this.lenGot + (this.acc === undefined ? 0 : this.accLen)
  }

  /**
   * Feeds one chunk; calls `onMessage` for every message it completes, in order. Throws
   * CodecError on bad input; after that the stream is unusable and every push throws again.
   */
  push(chunk: Buffer, onMessage: (m: Message) => void): void {
    if (this.failure !== undefined) throw this.failure
    try {
      if (this.transport === undefined || this.needsStreamProtocol()) {
        const data = this.detect(chunk)
        if (data === undefined) return
        chunk = data
      }
      if (this.transport === 'unframed') this.pushUnframed(chunk, onMessage)
      else this.pushFramed(chunk, onMessage)
    } catch (err) {
      // the rest of the chunk is lost whatever failed (bad bytes, or a throwing callback)
      this.failure = err
      throw err
    }
  }

  private needsStreamProtocol(): boolean {
    return this.transport === 'unframed' && this.streamProtocol === undefined
  }

  /** Holds bytes until the dialect is known; then returns every byte held, to be split. */
  private detect(chunk: Buffer): Buffer | undefined {
    let data = chunk
    if (this.detectBuf !== undefined) {
      const need = this.detectLen + chunk.length
      if (need > this.detectBuf.length) {
        const grown = Buffer.allocUnsafe(Math.max(need, this.detectBuf.length * 2))
        this.detectBuf.copy(grown, 0, 0, this.detectLen)
        this.detectBuf = grown
      }
      chunk.copy(this.detectBuf, this.detectLen)
      this.detectLen = need
      data = this.detectBuf.subarray(0, need)
    }
    if (data.length === 0) return undefined
    if (this.transport === undefined) {
      const d = detectDialect(data, 0, data.length, this.limits.maxMessageSize)
      if (d === undefined) return this.hold(data, chunk)
      this.transport = d.transport
      if (d.transport === 'unframed') this.streamProtocol = this.fixedProtocol ?? d.protocol
      this.lastDialect = dialectOf(d.transport, this.fixedProtocol ?? d.protocol, d.strict)
    } else {
      // unframed fixed by config, protocol auto: the first byte tells (compact's id, else binary)
      this.streamProtocol = this.fixedProtocol ?? protocolOfPayload(data[0]!)
    }
    this.detectBuf = undefined
    this.detectLen = 0
    return data
  }

  private hold(data: Buffer, chunk: Buffer): undefined {
    if (this.detectBuf === undefined) {
      // the chunk belongs to the caller: keep a copy of our own
      this.detectBuf = Buffer.allocUnsafe(Math.max(64, chunk.length * 2))
      chunk.copy(this.detectBuf)
      this.detectLen = chunk.length
    }
    if (this.detectLen > this.limits.maxMessageSize + FRAME_PREFIX_SIZE) {
      throw new CodecError(CodecErrorCode.UNKNOWN_PROTOCOL, `no Thrift dialect recognised in the first ${data.length} bytes`)
    }
    return undefined
  }

  private pushFramed(chunk: Buffer, onMessage: (m: Message) => void): void {
    const header = this.transport === 'header'
    const end = chunk.length
    let pos = 0
    while (pos < end) {
      const acc = this.acc
      if (acc !== undefined) {
        const n = Math.min(this.frameTotal - this.accLen, end - pos)
        chunk.copy(acc, this.accLen, pos, pos + n)
        this.accLen += n
        pos += n
        if (this.accLen < this.frameTotal) return
        this.acc = undefined
        this.accLen = 0
        onMessage(this.frameMessage(acc, header))
        continue
      }
      if (this.lenGot > 0 || end - pos < FRAME_PREFIX_SIZE) {
        while (this.lenGot < FRAME_PREFIX_SIZE && pos < end) this.lenBuf[this.lenGot++] = chunk[pos++]!
        if (this.lenGot < FRAME_PREFIX_SIZE) return
        this.lenGot = 0
        const total = FRAME_PREFIX_SIZE + this.frameLength(this.lenBuf, 0, header)
        const fresh = Buffer.allocUnsafe(total)
        this.lenBuf.copy(fresh, 0)
        if (total === FRAME_PREFIX_SIZE) {
          onMessage(this.frameMessage(fresh, header)) // an empty frame: rejected there
          continue
        }
        this.acc = fresh
        this.accLen = FRAME_PREFIX_SIZE
        this.frameTotal = total
        continue
      }
      const total = FRAME_PREFIX_SIZE + this.frameLength(chunk, pos, header)
      if (end - pos >= total) {
        const raw = chunk.subarray(pos, pos + total)
        pos += total
        onMessage(this.frameMessage(raw, header))
      } else {
        // the one copy of this frame: exactly its size, known from the prefix
        const fresh = Buffer.allocUnsafe(total)
        chunk.copy(fresh, 0, pos, end)
        this.acc = fresh
        this.accLen = end - pos
        this.frameTotal = total
        return
      }
    }
  }

  /** Validates a frame length from its 4 bytes alone, before any of the frame is buffered. */
  private frameLength(buf: Buffer, at: number, header: boolean): number {
    return header
      ? checkHeaderFrameLength(buf.readUInt32BE(at), this.limits.maxMessageSize)
      : checkFrameLength(buf.readInt32BE(at), this.limits.maxMessageSize)
  }

  private frameMessage(raw: Buffer, header: boolean): Message {
    let m: Message
    try {
      m = this.parseFrame(raw, header)
      if (this.verifyBodies) this.verifyBody(m)
    } catch (err) {
      throw err instanceof CodecError ? err : truncated(err)
    }
    this.lastDialect = m.dialect
    return m
  }

  private verifyBody(m: Message): void {
    const end = skipStruct(m.payload, m.bodyOffset, m.dialect.protocol, this.limits.maxDepth)
    if (end !== m.payload.length) {
      throw new CodecError(
        CodecErrorCode.INVALID_DATA,
        `${m.payload.length - end} bytes after the body of "${m.name}" inside its frame`,
      )
    }
  }

  private parseFrame(raw: Buffer, header: boolean): Message {
    if (header) {
      const f = parseHeaderFrame(raw, this.limits.maxMessageSize)
      return toMessage(raw, f.payload, 'header', f.protocol, f.header)
    }
    const payload = raw.subarray(FRAME_PREFIX_SIZE)
    if (payload.length === 0) throw new CodecError(CodecErrorCode.TRUNCATED, 'empty frame')
    return toMessage(raw, payload, 'framed', this.fixedProtocol ?? protocolOfPayload(payload[0]!), undefined)
  }

  private pushUnframed(chunk: Buffer, onMessage: (m: Message) => void): void {
    const protocol = this.streamProtocol!
    const scanner = (this.scanner ??= new UnframedScanner(protocol, this.limits))
    const end = chunk.length
    let pos = 0
    while (pos < end) {
      const acc = this.acc
      if (acc !== undefined) {
        const stop = scanner.feed(chunk, pos, end)
        const upTo = stop < 0 ? end : stop
        this.append(chunk, pos, upTo)
        pos = upTo
        if (stop < 0) return
        const raw = this.acc!.subarray(0, this.accLen)
        this.acc = undefined
        this.accLen = 0
        scanner.reset()
        onMessage(this.unframedMessage(raw, protocol))
        continue
      }
      const start = pos
      // a message whole in this chunk: the plain walk; otherwise (or on bad bytes) the scanner
      const whole = wholeMessageEnd(chunk, pos, end, protocol, this.limits)
      const stop = whole >= 0 ? whole : scanner.feed(chunk, pos, end)
      if (stop >= 0) {
        pos = stop
        scanner.reset()
        onMessage(this.unframedMessage(chunk.subarray(start, stop), protocol))
      } else {
        const n = end - start
        this.acc = Buffer.allocUnsafe(Math.min(Math.max(n * 2, 1024), this.limits.maxMessageSize))
        chunk.copy(this.acc, 0, start, end)
        this.accLen = n
        return
      }
    }
  }

  /** Appends to the unframed accumulator, growing it geometrically (copying into new memory). */
  private append(chunk: Buffer, from: number, to: number): void {
    const n = to - from
    let acc = this.acc!
    const need = this.accLen + n
    if (need > acc.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, acc.length * 2), this.limits.maxMessageSize))
      acc.copy(grown, 0, 0, this.accLen)
      this.acc = acc = grown
    }
    chunk.copy(acc, this.accLen, from, to)
    this.accLen = need
  }

  private unframedMessage(raw: Buffer, protocol: Protocol): Message {
    let m: Message
    try {
      m = toMessage(raw, raw, 'unframed', protocol, undefined)
    } catch (err) {
      throw err instanceof CodecError ? err : truncated(err)
    }
    this.lastDialect = m.dialect
    return m
  }
}

function truncated(err: unknown): CodecError {
  // a RangeError from reading past a buffer: the message ended before its content did
  return new CodecError(CodecErrorCode.TRUNCATED, `malformed message: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  })
}
